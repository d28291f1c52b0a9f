"""GitHub Actions output: workflow-command annotations and a Markdown step summary.

Pure functions returning strings. The escaping is the one GitHub's own toolkit uses
(actions/toolkit, packages/core/src/command.ts: `escapeData` and `escapeProperty`), so a
message or a path can never end a command early or inject another one.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from ..model import FileResult
from ..rulepack import RulePack
from .report import summary_line


def escape_data(text: str) -> str:
    """The message of a workflow command (after the last `::`)."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """A property value of a workflow command (`file=...,title=...`)."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def render(results: Sequence[FileResult], pack: RulePack) -> str:
    """One `::error`/`::warning` workflow command per violation, in the order of the results.

    The command is the violation's severity; the title is `CODE requirement`, as in the text
    output. `pack` is taken so that every CI renderer has the same signature.
    """
    lines: list[str] = []
    for result in results:
        for v in result.violations:
            command = "warning" if v.severity == "warning" else "error"
            props = {
                "file": result.path,
                "line": str(v.line),
                "col": str(v.column),
                "title": f"{v.rule} {v.requirement}",
            }
            head = ",".join(f"{k}={escape_property(val)}" for k, val in props.items())
            lines.append(f"::{command} {head}::{escape_data(v.message)}")
    return "".join(line + "\n" for line in lines)


def _cell(text: str) -> str:
    """Text safe inside a GitHub Markdown table cell: one line, `|` escaped.

    GitHub splits a table row before it parses the cells, so `\\|` is a literal pipe even
    inside a code span.
    """
    return re.sub(r"[\r\n]+", " ", text).replace("|", "\\|")


def _code(text: str) -> str:
    """An inline code span that survives backticks in the text (CommonMark §6.1)."""
    longest = run = 0
    for ch in text:
        run = run + 1 if ch == "`" else 0
        longest = max(longest, run)
    fence = "`" * (longest + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def step_summary(results: Sequence[FileResult]) -> str:
    """Markdown for `$GITHUB_STEP_SUMMARY`: a heading, the counts, a table of the failing files."""
    out = ["## safety-lint", "", summary_line(results), ""]
    failing = [r for r in results if r.status != "pass"]
    if not failing:
        out.append("All files meet the production-safety policy. :white_check_mark:")
        return "\n".join(out) + "\n"
    out += ["| File | Status | Class | What is missing |", "| --- | --- | --- | --- |"]
    for r in failing:
        cls = r.cls or ("-" if r.kind == "document" or r.status == "error" else "unclassified")
        missing: list[str] = []
        for v in r.violations:
            if v.severity == "error" and v.requirement not in missing:
                missing.append(v.requirement)
        row = [
            _code(r.path),
            r.status,
            cls,
            ", ".join(_code(m) for m in missing) or "-",
        ]
        out.append("| " + " | ".join(_cell(c) for c in row) + " |")
    return "\n".join(out) + "\n"
