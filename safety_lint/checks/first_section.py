"""Kind `first-section`: a required section is the first level-2 section of the body."""

from __future__ import annotations

from ..rulepack import Applies, Rule
from ..sections import find_section
from .base import CheckResult, Context, Finding


def check(rule: Rule, where: Applies, ctx: Context) -> CheckResult:
    assert rule.section is not None
    spec = ctx.pack.sections[rule.section]
    section = find_section(ctx.sections, spec)
    if section is None:
        return None  # the section rule reports it missing
    first = next(s for s in ctx.sections if s.heading.level == spec.level)
    if first is section:
        return []
    return [
        Finding(
            section.line,
            f"`{spec.heading}` must be the first level-{spec.level} section, "
            f"but `{first.heading.text.strip()}` (line {first.line}) comes before it",
        )
    ]
