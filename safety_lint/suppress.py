"""Suppressions: per file in frontmatter, inline in HTML comments. Parsed strictly.

    ---
    safety-lint: {ignore: [three-questions], reason: "asks through the batch agent"}
    ---
    <!-- safety-lint-disable-next-line PS101 -- reason -->
    <!-- safety-lint-disable PS101, PS102 -- reason -->
    ...
    <!-- safety-lint-enable PS101, PS102 -->

A malformed directive or an unknown rule is itself a violation (`invalid-suppression`); a
suppression that silenced nothing is reported (`unused-suppression`), like ruff's RUF100.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from .model import Block, Document, Violation
from .rulepack import RulePack

_DIRECTIVE = re.compile(r"<!--\s*safety-lint-([\w-]*)(.*?)-->", re.S)
VERBS = ("disable-next-line", "disable", "enable")


@dataclass
class Suppression:
    line: int  # where it was written
    codes: frozenset[str]  # rule codes
    first: int  # lines it covers, inclusive
    last: int
    source: str  # how it reads, for messages
    used: set[str] = field(default_factory=set)


@dataclass
class Suppressions:
    items: list[Suppression]
    problems: list[tuple[int, str]]  # (line, message) for invalid-suppression


def scan_directives(
    lines: Sequence[str], blocks: Sequence[Block]
) -> list[tuple[int, int, str, str]]:
    """(line, end line, verb, rest) of every directive outside code blocks."""
    in_code = {n for b in blocks if b.type == "code" for n in range(b.line, b.end_line + 1)}
    text = "\n".join(lines)
    found = []
    for m in _DIRECTIVE.finditer(text):
        line = text.count("\n", 0, m.start()) + 1
        if line in in_code:
            continue
        end = line + m.group(0).count("\n")
        found.append((line, end, m.group(1), m.group(2).strip()))
    return found


def _codes(pack: RulePack, names: Sequence[str]) -> tuple[set[str], list[str]]:
    codes, unknown = set(), []
    for name in names:
        rule = pack.find(name)
        if rule is None:
            hint = pack.did_you_mean(name)
            unknown.append(f"{name} ({hint[2:]})" if hint else name)
        else:
            codes.add(rule.code)
    return codes, unknown


def collect(doc: Document, pack: RulePack, require_reason: bool, last_line: int) -> Suppressions:
    out = Suppressions([], [])
    fm = doc.frontmatter.data.get("safety-lint")
    if fm is not None:
        line = doc.frontmatter.line_of("safety-lint")
        if not isinstance(fm, dict) or set(fm) - {"ignore", "reason"} or "ignore" not in fm:
            out.problems.append(
                (line, 'frontmatter `safety-lint` must be {ignore: [rules], reason: "..."}')
            )
        else:
            names = fm["ignore"] if isinstance(fm["ignore"], list) else [fm["ignore"]]
            codes, unknown = _codes(pack, [str(n) for n in names])
            reason = str(fm.get("reason") or "").strip()
            if unknown:
                out.problems.append((line, f"unknown rule(s) in suppression: {', '.join(unknown)}"))
            elif require_reason and not reason:
                out.problems.append((line, "suppression needs a reason (`reason: ...`)"))
            elif codes:
                out.items.append(
                    Suppression(line, frozenset(codes), 1, last_line, "frontmatter ignore")
                )
    open_ranges: dict[str, Suppression] = {}
    for line, end, verb, rest in doc.directives:
        spec, _, reason = rest.partition("--")
        names = [n for n in re.split(r"[\s,]+", spec.strip()) if n]
        if verb not in VERBS:
            out.problems.append(
                (
                    line,
                    f"unknown directive `safety-lint-{verb}`; expected one of "
                    + ", ".join(f"safety-lint-{v}" for v in VERBS),
                )
            )
            continue
        if not names:
            out.problems.append((line, f"`safety-lint-{verb}` needs the rules it applies to"))
            continue
        codes, unknown = _codes(pack, names)
        if unknown:
            out.problems.append((line, f"unknown rule(s) in suppression: {', '.join(unknown)}"))
            continue
        if verb != "enable" and require_reason and not reason.strip():
            out.problems.append(
                (
                    line,
                    f"suppression needs a reason (`safety-lint-{verb} {spec.strip()} -- why`)",
                )
            )
            continue
        if verb == "disable-next-line":
            out.items.append(
                Suppression(
                    line, frozenset(codes), end + 1, end + 1, f"disable-next-line at {line}"
                )
            )
        elif verb == "disable":
            for code in codes:
                if code in open_ranges:
                    out.problems.append(
                        (line, f"{code} is already disabled at line {open_ranges[code].line}")
                    )
                    continue
                item = Suppression(line, frozenset({code}), end, last_line, f"disable at {line}")
                open_ranges[code] = item
                out.items.append(item)
        else:
            for code in codes:
                if code not in open_ranges:
                    out.problems.append(
                        (line, f"`safety-lint-enable {code}` without a matching disable")
                    )
                else:
                    open_ranges.pop(code).last = line
    return out


def _covers(s: Suppression, v: Violation) -> bool:
    """The suppression's lines hold the finding's line, or overlap what it is about."""
    if s.first <= v.line <= s.last:
        return True
    return v.end_line > v.line and s.first <= v.end_line and v.line <= s.last


def apply(
    violations: Sequence[Violation], suppressions: Suppressions, pack: RulePack
) -> list[Violation]:
    """The violations that no suppression covers; marks the suppressions that were used."""
    kept = []
    for v in violations:
        rule = pack.find(v.rule)
        suppressible = rule is None or rule.suppressible
        hit = (
            next(
                (s for s in suppressions.items if v.rule in s.codes and _covers(s, v)),
                None,
            )
            if suppressible
            else None
        )
        if hit is None:
            kept.append(v)
        else:
            hit.used.add(v.rule)
    return kept


def unused(suppressions: Suppressions) -> list[tuple[int, str]]:
    out = []
    for s in suppressions.items:
        for code in sorted(s.codes - s.used):
            out.append((s.line, f"{code} is suppressed here ({s.source}) but nothing was reported"))
    return out
