"""One module per kind of check; the registry maps a rule's `check` to its function."""

from __future__ import annotations

from collections.abc import Callable

from ..rulepack import Applies, Rule
from . import (
    declared,
    exists,
    first_section,
    frontmatter,
    order,
    protocol,
    reachable,
    section,
    statement,
    tools,
)
from .base import CheckResult, Context, Finding

CheckFunction = Callable[[Rule, Applies, Context], CheckResult]

REGISTRY: dict[str, CheckFunction] = {
    "section": section.check,
    "first-section": first_section.check,
    "statement": statement.check,
    "protocol": protocol.check,
    "exists": exists.check,
    "frontmatter-value": frontmatter.check_value,
    "frontmatter-keys": frontmatter.check_keys,
    "confirm-before-mutation": order.check,
    "allowed-tools": tools.check,
    "confirmation-reachable": reachable.check,
    "class-contradicted": declared.check,
}

__all__ = ["REGISTRY", "CheckResult", "Context", "Finding"]
