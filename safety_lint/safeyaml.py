"""Limits for YAML from a repository (configuration, frontmatter, rule packs, the status
document's frontmatter): checked on the parser's events before anything is built, so an alias
bomb cannot fill memory and deep nesting cannot exhaust the stack (the C loader crashes on it).

Most YAML is small and plain: `needs_scan` lets it skip the event scan, at no cost.
"""

from __future__ import annotations

from typing import Any

MAX_DEPTH = 64  # nested mappings and sequences
MAX_NODES = 100_000  # nodes after expanding every alias
MAX_SCALAR = 1 << 20  # characters in one scalar


class YamlLimit(Exception):
    """YAML over a limit; `line` is 0-based when known."""

    def __init__(self, message: str, line: int | None = None) -> None:
        super().__init__(message)
        self.line = line


def needs_scan(text: str) -> bool:
    """False when the text cannot hold an anchor, deep nesting or a huge scalar."""
    if "&" in text or len(text) > 16_384 or text.count("[") + text.count("{") > MAX_DEPTH // 2:
        return True
    for line in text.splitlines():
        body = line.lstrip(" ")
        nested = body.count("- ") + body.count("? ") + body.count(": ")
        if len(line) - len(body) > MAX_DEPTH or nested > MAX_DEPTH // 2:
            return True
    return False


def check(text: str) -> None:
    """Raise YamlLimit when the document is nested too deeply, expands to too many nodes
    through aliases, or holds too large a scalar. Syntax errors are left to the loader."""
    if not needs_scan(text):
        return
    from ruamel.yaml import YAML, events
    from ruamel.yaml.error import YAMLError

    depth = nodes = 0
    sizes: dict[str, int] = {}
    open_anchors: list[tuple[str | None, int]] = []
    try:
        for event in YAML(typ="safe", pure=True).parse(text):
            line = event.start_mark.line if event.start_mark is not None else None
            if isinstance(event, events.AliasEvent):
                nodes += sizes.get(str(event.anchor), 1)
            elif isinstance(event, (events.MappingStartEvent, events.SequenceStartEvent)):
                depth += 1
                nodes += 1
                if depth > MAX_DEPTH:
                    raise YamlLimit(f"YAML nested more than {MAX_DEPTH} levels deep", line)
                open_anchors.append((event.anchor, nodes))
            elif isinstance(event, (events.MappingEndEvent, events.SequenceEndEvent)):
                depth -= 1
                anchor, start = open_anchors.pop()
                if anchor is not None:
                    sizes[str(anchor)] = nodes - start + 1
            elif isinstance(event, events.ScalarEvent):
                nodes += 1
                if len(event.value) > MAX_SCALAR:
                    raise YamlLimit(f"YAML value longer than {MAX_SCALAR} characters", line)
                if event.anchor is not None:
                    sizes[str(event.anchor)] = 1
            if nodes > MAX_NODES:
                raise YamlLimit(
                    f"YAML expands to more than {MAX_NODES} values (aliases); not loaded", line
                )
    except YAMLError:
        return  # the loader reports the syntax error with its line
    except RecursionError:
        raise YamlLimit(f"YAML nested more than {MAX_DEPTH} levels deep") from None


def load(loader: Any, text: str) -> Any:
    """`loader.load(text)` within the limits. Values the loader cannot build (an integer of
    5,000 digits, a bad date) are a YamlLimit too, never an internal error."""
    check(text)
    from ruamel.yaml.error import YAMLError

    try:
        return loader.load(text)
    except YAMLError:
        raise
    except (ValueError, TypeError, OverflowError, RecursionError) as err:
        raise YamlLimit(f"YAML value cannot be read: {str(err).splitlines()[0][:200]}") from None


def node_line(node: Any, key: Any = None) -> int:
    """The 1-based line of a ruamel node (or of its key or item), 0 when it carries none."""
    lc = getattr(node, "lc", None)
    if lc is None:
        return 0
    try:
        if key is None:
            return int(lc.line) + 1
        if isinstance(key, int):
            return int(lc.item(key)[0]) + 1
        return int(lc.key(key)[0]) + 1
    except (KeyError, IndexError, TypeError, AttributeError):
        return int(lc.line) + 1
