"""Kind `exists`: the file is there (a missing core document is reported by the engine)."""

from __future__ import annotations

from ..rulepack import Applies, Rule
from .base import CheckResult, Context


def check(rule: Rule, where: Applies, ctx: Context) -> CheckResult:
    return []
