"""Kind `confirm-before-mutation`: the protocol comes before the first step that changes an
environment (spec §8).

The steps are the classifier's instructed findings that change something: every finding of the
action layer (a command it runs) and the step kinds the rule lists. Frontmatter (`description`,
`argument-hint`) and the descriptions of parameters are not steps: the frontmatter lies above
the body, and parameter sections give their text the `described` modality.
"""

from __future__ import annotations

from ..modality import COUNTED
from ..rulepack import Applies, Rule
from ..sections import find_section
from .base import CheckResult, Context, Finding


def check(rule: Rule, where: Applies, ctx: Context) -> CheckResult:
    if ctx.classification is None:
        return None
    protocol = [
        s.line
        for sid in rule.options["sections"]
        if (s := find_section(ctx.sections, ctx.pack.sections[sid])) is not None
    ]
    if not protocol:
        return None  # the section rule reports the missing protocol
    first_protocol = min(protocol)
    kinds = set(rule.options["evidence"])
    layers = set(rule.options.get("layers", ()))
    steps = sorted(
        (
            e
            for e in ctx.classification.evidence
            if (e.rule in kinds or e.layer in layers)
            and e.modality in COUNTED
            and e.signal in ("deployment", "batch")
            and ctx.doc.body_start <= e.line < first_protocol
        ),
        key=lambda e: e.line,
    )
    if not steps:
        return []
    step = steps[0]
    return [
        Finding(
            step.line,
            f"line {step.line} {step.what}, before the confirmation protocol at line "
            f"{first_protocol}: confirm first, then change anything",
        )
    ]
