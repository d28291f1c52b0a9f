"""Frontmatter as Claude Code reads it: every shape found in the real corpus, as fixture files."""

from __future__ import annotations

import pytest
from conftest import FIXTURES

from safety_lint.classify import classify, tool_names
from safety_lint.model import Target
from safety_lint.parse import parse_file
from safety_lint.rulepack import default_pack

SHAPES = FIXTURES / "frontmatter"

# file: (kind, tools as read, class from the tools rule or None, a frontmatter-yaml warning?)
EXPECTED = {
    "tools-comma-string.md": ("agent", ["Read", "Grep", "Glob"], "read-only", False),
    "tools-yaml-list.md": ("agent", ["Read", "Grep"], "read-only", False),
    "tools-star.md": ("agent", ["*"], None, False),  # read as text, as Claude Code does
    "tools-mcp.md": ("agent", ["mcp__warehouse__query", "Read"], None, False),
    "allowed-tools-bash-patterns.md": (
        "command",
        ["Bash(git add:*)", "Bash(git commit:*)", "Read"],
        None,
        False,
    ),
    "no-opening-fence.md": ("agent", ["Read"], "read-only", True),
    "no-frontmatter.md": ("agent", None, None, False),
    "unexpanded-template.md": ("agent", ["{{tools}}"], None, False),
    "description-starts-with-bold.md": ("agent", None, None, False),
}


def load(name: str, kind: str):  # type: ignore[no-untyped-def]
    rel = f".claude/{kind}s/{name}"
    return parse_file(Target(SHAPES / name, rel, kind), 1 << 20)  # type: ignore[arg-type]


def test_every_shape_has_a_fixture() -> None:
    assert sorted(p.name for p in SHAPES.glob("*.md")) == sorted(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_shape_is_read(name: str) -> None:
    kind, tools, cls, warned = EXPECTED[name]
    doc = load(name, kind)
    assert doc.readable, doc.diagnostics
    key = "allowed-tools" if kind == "command" else "tools"
    assert tool_names(doc.frontmatter.data.get(key)) == tools
    assert any(d.requirement == "frontmatter-yaml" for d in doc.diagnostics) == warned
    result = classify(doc, default_pack(), (), {})
    if cls is not None:
        assert (result.cls, result.source) == (cls, "tools")
    else:
        assert result.source != "tools"


def test_lenient_values_are_kept_as_written() -> None:
    doc = load("description-starts-with-bold.md", "agent")
    assert doc.frontmatter.data["description"] == "**Use PROACTIVELY** for reviews"
    hint = load("allowed-tools-bash-patterns.md", "command").frontmatter.data["argument-hint"]
    assert hint == "[message] | --amend"
    assert load("no-opening-fence.md", "agent").name == "no-opening"
