"""Kind `statement`: required statements, judged by meaning (concepts.py) or, for references
such as a link, by exact patterns.

A requirement (`requires`) is met by one sentence or list item of the place that affirms all its
concepts; one that holds them all with one reversed is reported as a contradiction. A pattern
part is met when all its patterns match in one paragraph or list item (`scope: block`) or
anywhere in the part (`scope: section`). The place is the rule's required section, else the
sections whose heading matches the part's `heading`, else the whole file.
"""

from __future__ import annotations

import re

from ..concepts import Judgement, Lexicon, concept_of, judge, lexicon
from ..model import Block
from ..rulepack import Applies, Part, Rule
from ..sections import find_section
from ..units import Unit, units
from .base import CheckResult, Context, Finding, counting

_QUOTE = 90


def _met(part: Part, blocks: list[Block]) -> bool:
    texts = [b.norm if b.type == "text" else b.text for b in blocks]
    if part.scope == "section":
        joined = "\n".join(texts)
        return all(p.search(joined) for p in part.patterns)
    return any(all(p.search(t) for p in part.patterns) for t in texts)


def quote(text: str) -> str:
    return f'"{text if len(text) <= _QUOTE else text[: _QUOTE - 1].rstrip() + "…"}"'


def _words(text: str) -> set[str]:
    return {w for w in re.findall(r"[a-z]{4,}", text.lower())}


def _closest(part: Part, judged: list[Judgement], example: str) -> Judgement:
    """The unit that holds most of the requirement; ties go to one that says the opposite (of
    its first concepts first), then to wording closest to the requirement and the rule's
    example, then to the one that has its first concepts, then to the first."""
    target = _words(part.label + " " + example)
    return max(
        judged,
        key=lambda j: (
            j.score,
            bool(j.opposed),
            tuple(ref in j.opposed for ref in part.concepts),  # the first concept first
            len(target & _words(j.unit.text)),
            j.present,
            -j.unit.line,
        ),
    )


def _names(lex: Lexicon, refs: tuple[str, ...]) -> str:
    return ", ".join(
        f"'{concept_of(lex, r).means}'" + (" denied" if r.startswith("not ") else "") for r in refs
    )


def _requirement(
    lex: Lexicon, part: Part, found: list[Unit], where: str, example: str
) -> tuple[int, Finding] | None:
    """None when met; else how strongly the finding points at its line, and the finding."""
    judged = [judge(lex, part.concepts, u) for u in found]
    bad = next((j for j in judged if j.contradicts), None)
    if bad is not None:
        return 2, Finding(
            bad.unit.line,
            f'line {bad.unit.line} says the opposite of "{part.label}" '
            f"({_names(lex, bad.opposed)} reversed): {quote(bad.unit.text)}",
        )
    if any(j.met for j in judged):
        return None
    best = _closest(part, judged, example)
    if best.score == 0:
        return 0, Finding(
            best.unit.line,
            f'{where} does not state "{part.label}": no sentence or item says '
            f"{_names(lex, part.concepts)}",
        )
    text = f'{where} does not state "{part.label}": closest is line {best.unit.line} '
    text += quote(best.unit.text)
    if best.missing:
        text += f", which lacks {_names(lex, best.missing)}"
    if best.opposed:
        text += f"{' and' if best.missing else ', which'} says the opposite of "
        text += _names(lex, best.opposed)
    return 1, Finding(best.unit.line, text)


def _concept_findings(
    rule: Rule, blocks: list[Block], ctx: Context, where: str, anchor: int
) -> list[Finding]:
    """One finding per rule, at the line that best shows what is wrong: a contradiction, else
    the closest statement; the message names every requirement that is not met."""
    lex = lexicon(ctx.pack)
    results = []
    for part in rule.parts:
        found = units(blocks, part.include_code)
        if not found:
            empty = f'{where} does not state "{part.label}": it has no sentence or list item'
            results.append((0, Finding(anchor, empty)))
            continue
        result = _requirement(lex, part, found, where, rule.doc.get("example", ""))
        if result is not None:
            results.append(result)
    if not results:
        return []
    # A contradiction first, then the first requirement that has a closest statement.
    top = max(rank for rank, _ in results)
    first = next(f for rank, f in results if rank == top)
    return [Finding(first.line, "; ".join(f.message for _, f in results))]


def check(rule: Rule, where: Applies, ctx: Context) -> CheckResult:
    anchor = ctx.title_line()
    place = "the file"
    scope = list(ctx.doc.blocks)
    if where.section is not None:
        spec = ctx.pack.sections[where.section]
        section = find_section(ctx.sections, spec)
        if section is None:
            return None  # the section rule reports it missing
        anchor, place, scope = section.line, f"the `{spec.heading}` section", list(section.blocks)
    if rule.parts and rule.parts[0].concepts:
        return _concept_findings(rule, scope, ctx, place, anchor)
    missing: list[str] = []
    for part in rule.parts:
        if part.heading is None:
            if not _met(part, counting(scope, part.include_code)):
                missing.append(part.label or rule.todo)
            continue
        parts = [s for s in ctx.sections if part.heading.search(s.heading.norm)]
        if not any(_met(part, counting([s.heading, *s.blocks], part.include_code)) for s in parts):
            where_text = "" if parts else " (no section with such a heading)"
            missing.append((part.label or rule.todo) + where_text)
    if not missing:
        return []
    return [Finding(anchor, f"{place} does not state: {'; '.join(missing)}")]
