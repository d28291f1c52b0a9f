"""Kind `class-contradicted`: a declared `safety-class: read-only` is verified, not trusted.

The classifier keeps, for a file that declares read-only, its instructed findings of the
action layer that decide (a command it runs that changes a non-local target); one of them
contradicts the declaration.
"""

from __future__ import annotations

from ..decide import DECIDES
from ..modality import COUNTED
from ..rulepack import Applies, Rule
from .base import CheckResult, Context, Finding


def check(rule: Rule, where: Applies, ctx: Context) -> CheckResult:
    c = ctx.classification
    if c is None or c.source != "declared" or c.cls != "read-only":
        return None
    actions = sorted(
        (
            e
            for e in c.evidence
            if e.layer == "action" and e.weight >= DECIDES and e.modality in COUNTED
        ),
        key=lambda e: e.line,
    )
    if not actions:
        return []
    first = actions[0]
    return [
        Finding(
            first.line,
            f"declares `safety-class: read-only`, but line {first.line} {first.what}: "
            "declare the class it has, or take the step out",
        )
    ]
