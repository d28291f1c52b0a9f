"""Kind `section`: a required section heading is present, at its level."""

from __future__ import annotations

from ..rulepack import Applies, Rule
from ..sections import find_misleveled, find_section
from ..text import heading_key
from .base import CheckResult, Context, Finding


def check(rule: Rule, where: Applies, ctx: Context) -> CheckResult:
    assert rule.section is not None
    spec = ctx.pack.sections[rule.section]
    if find_section(ctx.sections, spec):
        return []
    wrong = find_misleveled(ctx.sections, spec)
    if wrong:
        return [
            Finding(
                wrong.line,
                f"`{spec.heading}` is a level-{wrong.heading.level} heading; it must be level "
                f"{spec.level} (`{'#' * spec.level} {spec.heading}`)",
            )
        ]
    key = heading_key(spec.heading)
    # Tell the author why a heading they can see does not count.
    hidden = next((b for b in ctx.doc.blocks if not b.counts and key in b.norm), None)
    note = (
        f" (the one at line {hidden.line} is in a code block, comment or quote: it does not count)"
        if hidden
        else ""
    )
    message = f"missing level-{spec.level} section `{spec.heading}`{note}"
    return [Finding(ctx.title_line(), message, fixable=spec.fix is not None)]
