"""Kind `statement`: required statements, each a set of patterns found in one place.

A part is met when all its patterns match in one counting paragraph or list item
(`scope: block`) or anywhere in the part (`scope: section`). The place is the rule's required
section, else the sections whose heading matches the part's `heading`, else the whole file.
"""

from __future__ import annotations

from ..model import Block
from ..rulepack import Applies, Part, Rule
from ..sections import find_section
from .base import CheckResult, Context, Finding, counting


def _met(part: Part, blocks: list[Block]) -> bool:
    texts = [b.norm if b.type == "text" else b.text for b in blocks]
    if part.scope == "section":
        joined = "\n".join(texts)
        return all(p.search(joined) for p in part.patterns)
    return any(all(p.search(t) for p in part.patterns) for t in texts)


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
