"""The `classification` section of a rule pack: validated like the rules (file, line,
did-you-mean), and merged, never replaced.

The built-in pack comes first. A team pack's `classification` then adds to it: an evidence
kind with a known `id` overrides that kind's fields, a new `id` is added; lists (`read-tools`,
`safety-sections`, ...) gain entries; mappings (`modality`, `scope`, `fragments`, ...) override
key by key. Nothing a team does not name is dropped.
"""

from __future__ import annotations

import re
from typing import Any, Protocol

TOP = (
    "tools-rule-kinds",
    "read-tools",
    "read-tool-prefixes",
    "modality",
    "parameter-headings",
    "scope",
    "runnable",
    "api-operations",
    "safety-sections",
    "fragments",
    "evidence",
    "section-evidence",
    "delegation",
)
LISTS = ("tools-rule-kinds", "read-tools", "read-tool-prefixes", "safety-sections")
MAPPINGS = (
    "modality",
    "scope",
    "runnable",
    "api-operations",
    "fragments",
    "section-evidence",
    "delegation",
)
EVIDENCE_KEYS = ("id", "what", "signal", "strength", "layer", "kinds", "in", "pattern")
EVIDENCE_REQUIRED = ("id", "what", "signal", "kinds", "in", "pattern")
SIGNALS = ("deployment", "batch", "read-only")
STRENGTHS = ("decides", "weak")
LAYERS = ("action", "statement", "scope", "section")
FILE_KINDS = ("command", "agent")
SOURCES = (
    "description",
    "argument-hint",
    "parameter",
    "heading",
    "text",
    "step",
    "code",
    "inline",
    "script",
)
_FRAGMENT = re.compile(r"\{\{([\w-]+)\}\}")


class Reader(Protocol):
    """What `rulepack._Reader` offers: errors with file and line."""

    def fail(self, node: Any, key: str | int | None, message: str) -> Exception: ...

    def keys(
        self, node: Any, allowed: tuple[str, ...], required: tuple[str, ...], what: str
    ) -> None: ...

    def choice(
        self, node: Any, key: str, choices: tuple[str, ...], default: str | None = None
    ) -> str: ...


def merge(into: dict[str, Any], node: Any, r: Reader, plain: Any) -> None:
    """Validate one file's `classification` node and merge it into `into` (plain data).
    `plain`: turns YAML nodes into plain dicts and lists."""
    r.keys(node, TOP, (), "the classification section")
    for key in LISTS:
        if key in node:
            values = node[key]
            if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
                raise r.fail(node, key, f"'{key}' must be a list of strings")
            known = into.setdefault(key, [])
            known.extend(v for v in values if v not in known)
    for key in MAPPINGS:
        if key in node:
            if not isinstance(node[key], dict):
                raise r.fail(node, key, f"'{key}' must be a mapping")
            into.setdefault(key, {}).update(plain(node[key]))
    if "parameter-headings" in node:
        into["parameter-headings"] = _pattern(node, "parameter-headings", into, r)
    for key in ("modality", "scope"):
        for sub in node.get(key) or {}:
            _pattern(node[key], sub, into, r)
    evidence = node.get("evidence")
    if evidence is None:
        return
    if not isinstance(evidence, list):
        raise r.fail(node, "evidence", "'evidence' must be a list of evidence kinds")
    kinds: list[dict[str, Any]] = into.setdefault("evidence", [])
    by_id = {k["id"]: k for k in kinds}
    for entry in evidence:
        required = () if isinstance(entry, dict) and entry.get("id") in by_id else EVIDENCE_REQUIRED
        r.keys(entry, EVIDENCE_KEYS, required, "an evidence kind")
        one: tuple[tuple[str, tuple[str, ...]], ...] = (
            ("signal", SIGNALS),
            ("strength", STRENGTHS),
            ("layer", LAYERS),
        )
        for key, choices in one:
            if key in entry:
                r.choice(entry, key, choices)
        many: tuple[tuple[str, tuple[str, ...]], ...] = (("kinds", FILE_KINDS), ("in", SOURCES))
        for key, choices in many:
            if key in entry:
                _subset(entry, key, choices, r)
        if "pattern" in entry:
            _pattern(entry, "pattern", into, r)
        value = plain(entry)
        if value["id"] in by_id:
            by_id[value["id"]].update(value)  # override by id: only the fields it names
        else:
            kinds.append(value)
            by_id[value["id"]] = value


def _subset(node: Any, key: str, choices: tuple[str, ...], r: Reader) -> None:
    import difflib

    values = node[key]
    if not isinstance(values, list) or not values:
        raise r.fail(node, key, f"'{key}' must be a non-empty list")
    for value in values:
        if value not in choices:
            close = difflib.get_close_matches(str(value), choices, n=1)
            hint = f"; did you mean '{close[0]}'?" if close else ""
            raise r.fail(node, key, f"'{key}' has '{value}'; expected {', '.join(choices)}{hint}")


def _pattern(node: Any, key: str, into: dict[str, Any], r: Reader) -> str:
    """A pattern that compiles once its `{{fragments}}` are replaced."""
    value = node[key]
    if not isinstance(value, str):
        raise r.fail(node, key, f"'{key}' must be a regular expression (a string)")
    fragments = into.get("fragments", {})
    for name in _FRAGMENT.findall(value):
        if name not in fragments:
            raise r.fail(node, key, f"'{key}' uses the unknown fragment '{{{{{name}}}}}'")
    try:
        re.compile(_FRAGMENT.sub(lambda m: str(fragments[m.group(1)]), value))
    except re.error as err:
        raise r.fail(node, key, f"'{key}' is not a valid regular expression: {err}") from None
    return value
