"""Render results: text for people, JSON for tools. Pure functions returning strings."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from typing import Any

from ..model import Classification, FileResult

JSON_VERSION = 1

Style = Callable[..., str]


def plain(text: str, **_: Any) -> str:
    return text


def summary_counts(results: Sequence[FileResult]) -> dict[str, int]:
    checked = [r for r in results if not r.missing]
    return {
        "files": len(results),
        "pass": sum(r.status == "pass" for r in checked),
        "fail": sum(r.status == "fail" for r in checked),
        "error": sum(r.status == "error" for r in checked),
        "missing": len(results) - len(checked),
        "violations": sum(len(r.violations) for r in results),
    }


def _n(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


def summary_line(results: Sequence[FileResult]) -> str:
    """`7 files checked: ...`; missing core documents are counted apart, not as files."""
    c = summary_counts(results)
    errors = sum(v.severity == "error" for r in results for v in r.violations)
    warnings = c["violations"] - errors
    missing = f"; {_n(c['missing'], 'core document')} missing" if c["missing"] else ""
    return (
        f"{_n(c['files'] - c['missing'], 'file')} checked: {c['pass']} passed, "
        f"{c['fail']} failed, {c['error']} in error{missing}; {_n(errors, 'error')}, "
        f"{_n(warnings, 'warning')}"
    )


def text(results: Sequence[FileResult], style: Style = plain) -> str:
    """`path:line:col: CODE requirement message`, grouped by file, then a summary line."""
    lines: list[str] = []
    for result in results:
        if not result.violations:
            continue
        if lines:
            lines.append("")
        for v in result.violations:
            where = style(f"{result.path}:{v.line}:{v.column}:", bold=True)
            code = style(v.rule, fg="red" if v.severity == "error" else "yellow", bold=True)
            mark = style(" [warning]", fg="yellow") if v.severity == "warning" else ""
            fix = style(" [*]", fg="cyan") if v.fixable else ""
            lines.append(f"{where} {code} {v.requirement}{mark}{fix} {v.message}")
    if lines:
        lines.append("")
    lines.append(summary_line(results))
    fixable = sum(v.fixable for r in results for v in r.violations)
    if fixable:
        lines.append(
            f"[*] {fixable} fixable with `safety-lint check --fix` (a missing section is inserted)"
        )
    return "\n".join(lines) + "\n"


def file_json(result: FileResult) -> dict[str, Any]:
    return {
        "path": result.path,
        "kind": result.kind,
        "plugin": result.plugin,
        "name": result.name,
        "class": result.cls,
        "class_source": result.class_source,
        "evidence": result.evidence,
        "status": result.status,
        "met": result.met,
        "violations": [
            {
                "rule": v.rule,
                "requirement": v.requirement,
                "severity": v.severity,
                "line": v.line,
                "column": v.column,
                "message": v.message,
                "fixable": v.fixable,
            }
            for v in result.violations
        ],
    }


def to_json(results: Sequence[FileResult]) -> str:
    payload = {
        "version": JSON_VERSION,
        "files": [file_json(r) for r in results],
        "summary": summary_counts(results),
    }
    return json.dumps(payload, indent=2, ensure_ascii=False) + "\n"


def classification_text(
    results: Sequence[FileResult],
    classifications: dict[str, Classification],
    explain: bool,
) -> str:
    rows = [r for r in results if r.kind != "document"]
    if not explain:
        width = max((len(r.path) for r in rows), default=4)
        out = [f"{'path':<{width}}  kind     class       source    evidence"]
        for r in rows:
            c = classifications.get(r.path)
            cls = r.cls or ("error" if r.status == "error" else "unclassified")
            first = "; ".join(r.evidence[:2]) or (c.unclassified_reason if c else "")
            out.append(
                f"{r.path:<{width}}  {r.kind:<7}  {cls:<10}  {r.class_source or '-':<8}  {first}"
            )
        return "\n".join(out) + "\n"
    out = []
    for r in rows:
        c = classifications.get(r.path)
        cls = r.cls or ("error" if r.status == "error" else "unclassified")
        out.append(
            f"{r.path}: {r.kind} {r.name} -> {cls}"
            + (f" ({r.class_source})" if r.class_source else "")
        )
        if c is None:
            out.extend(f"  {v.rule} {v.message}" for v in r.violations)
        else:
            for e in c.evidence:
                strength = "decides" if e.weight >= 3 else "weak" if e.weight else ""
                where = ", ".join(x for x in (e.layer, e.modality) if x)
                out.append(
                    f"  line {e.line}: {e.signal:<10} {strength:<7} {e.what}  [{e.rule}] ({where})"
                )
            if not c.evidence:
                out.append("  no evidence that it changes any environment")
            out.append(f"  decided by: {c.decided_by or c.unclassified_reason}")
        out.append("")
    return "\n".join(out)


def classification_json(
    results: Sequence[FileResult], classifications: dict[str, Classification]
) -> str:
    files = []
    for r in results:
        if r.kind == "document":
            continue
        c = classifications.get(r.path)
        files.append(
            {
                "path": r.path,
                "kind": r.kind,
                "plugin": r.plugin,
                "name": r.name,
                "class": r.cls,
                "class_source": r.class_source,
                "decided_by": (c.decided_by or c.unclassified_reason) if c else None,
                "evidence": [
                    {
                        "line": e.line,
                        "signal": e.signal,
                        "weight": e.weight,
                        "what": e.what,
                        "rule": e.rule,
                    }
                    for e in (c.evidence if c else [])
                ],
            }
        )
    return (
        json.dumps({"version": JSON_VERSION, "files": files}, indent=2, ensure_ascii=False) + "\n"
    )
