"""Kind `confirm-before-mutation`: the protocol comes before the first step that changes an
environment (spec §8). Mutating steps are the classifier's evidence of that kind."""

from __future__ import annotations

import re

from ..patterns import compile_pattern
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
    # A parameter's description ("--apply: deploy the stack") is not a step the model takes.
    skip = compile_pattern(
        rule.options.get("not-steps-in", "$^"), re.IGNORECASE, rule.trusted, rule.source
    )
    described = [
        (s.line, s.blocks[-1].end_line if s.blocks else s.line)
        for s in ctx.sections
        if skip.search(s.heading.text)
    ]
    steps = sorted(
        (
            e
            for e in ctx.classification.evidence
            if e.rule in kinds
            and e.line < first_protocol
            and not any(a <= e.line <= b for a, b in described)
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
