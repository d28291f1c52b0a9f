"""Reading files: frontmatter (strict and lenient), encodings, line numbers, what counts."""

from __future__ import annotations

from pathlib import Path

import pytest

from safety_lint.model import Target
from safety_lint.parse import parse_file, parse_text


def target(kind: str = "command", rel: str = ".claude/commands/project/x.md") -> Target:
    return Target(Path("/nonexistent") / rel, rel, kind)  # type: ignore[arg-type]


def test_body_lines_count_from_the_original_file() -> None:
    doc = parse_text(target(), "---\ndescription: d\nargument-hint: <x>\n---\n\n# Title\n\nText\n")
    heading = next(b for b in doc.blocks if b.type == "heading")
    assert (heading.line, heading.text) == (6, "Title")
    assert doc.frontmatter.data == {"description": "d", "argument-hint": "<x>"}
    assert doc.frontmatter.line_of("argument-hint") == 3


@pytest.mark.parametrize(
    "line",
    [
        "argument-hint: [op] | --flag",
        "argument-hint: [pr-number] [priority] [assignee]",  # Claude Code's documentation
        "tools: *",
        "description: **Bold** start",
        "description: Reviews code. Use for: pull requests",
    ],
)
def test_values_that_are_not_yaml_read_as_text_like_claude_code(line: str) -> None:
    doc = parse_text(target(), f"---\nname: x\n{line}\nmodel: sonnet\n---\n# T\n")
    key, _, value = line.partition(": ")
    assert doc.frontmatter.data == {"name": "x", key: value, "model": "sonnet"}
    assert doc.diagnostics == []  # Claude Code reads it the same way: nothing to warn about


def test_a_text_key_written_as_a_flow_list_is_its_text() -> None:
    doc = parse_text(target(), "---\ndescription: d\nargument-hint: [message]\n---\n# T\n")
    assert doc.frontmatter.data["argument-hint"] == "[message]"
    assert doc.diagnostics == []


def test_what_claude_code_would_misread_is_still_a_warning() -> None:
    # A mapping inside the list: Claude Code gets an object where it shows text.
    doc = parse_text(target(), "---\nargument-hint: [scope: full|quick]\n---\n# T\n")
    assert [(d.requirement, d.line) for d in doc.diagnostics] == [("frontmatter-yaml", 2)]
    # Broken structure (a tab-indented key): not YAML even line by line; read leniently.
    doc = parse_text(target(), "---\nname: x\ntools:\n\t- Read\n---\n# T\n")
    assert doc.frontmatter.lenient
    assert [d.requirement for d in doc.diagnostics] == ["frontmatter-yaml"]


def test_lenient_reader_keeps_lists_and_continuations() -> None:
    text = "---\nname: x\ntools: *\nskills:\n  - a\n  - b\ndescription: one\n  two\n---\n"
    doc = parse_text(target("agent", ".claude/agents/x.md"), text)
    assert doc.frontmatter.data == {
        "name": "x",
        "tools": "*",
        "skills": ["a", "b"],
        "description": "one two",
    }


def test_frontmatter_without_opening_fence_is_read_with_a_warning() -> None:
    doc = parse_text(target(), "description: d\nallowed-tools: Bash\n---\n# Title\n")
    assert doc.frontmatter.data == {"description": "d", "allowed-tools": "Bash"}
    assert [d.requirement for d in doc.diagnostics] == ["frontmatter-yaml"]
    assert next(b for b in doc.blocks if b.type == "heading").line == 4


def test_unclosed_frontmatter_is_an_error() -> None:
    doc = parse_text(target(), "---\nname: x\n# Title\n")
    assert not doc.readable
    assert doc.diagnostics[0].requirement == "invalid-frontmatter"


def test_unsafe_yaml_tag_is_never_constructed() -> None:
    text = (
        "---\nname: !!python/object/apply:os.system ['touch /tmp/pwned-by-safety-lint']\n---\n# T\n"
    )
    doc = parse_text(target(), text)
    assert not Path("/tmp/pwned-by-safety-lint").exists()
    assert doc.diagnostics and "python/object/apply" in doc.diagnostics[0].message


def test_a_list_as_frontmatter_gets_a_diagnostic() -> None:
    doc = parse_text(target(), "---\n- a\n- b\n---\n# T\n")
    assert doc.diagnostics and "not a mapping" in doc.diagnostics[0].message


def test_no_frontmatter_at_all() -> None:
    doc = parse_text(target(), "# Title\n\nBody\n")
    assert doc.frontmatter.data == {} and not doc.diagnostics
    assert doc.blocks[0].line == 1


def test_code_comments_and_quotes_do_not_count() -> None:
    text = "# T\n\n```\n## In code\n```\n\n<!--\n## In comment\n-->\n\n> ## In quote\n\n## Real\n"
    doc = parse_text(target(), text)
    counted = [b.text for b in doc.blocks if b.type == "heading" and b.counts]
    assert counted == ["T", "Real"]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"\xff\xfe\x00garbage\xc3", "invalid UTF-16"),
        (b"# ok\n\xc3\x28 broken\n", "not valid UTF-8"),
        (b"# bin\n\x00\x01\x02", "binary file"),
    ],
)
def test_unreadable_bytes_are_an_error_with_a_reason(
    tmp_path: Path, data: bytes, message: str
) -> None:
    path = tmp_path / "x.md"
    path.write_bytes(data)
    doc = parse_file(Target(path, "x.md", "command"), 1 << 20)
    assert not doc.readable
    assert message in doc.diagnostics[0].message


def test_utf16_with_bom_is_read(tmp_path: Path) -> None:
    path = tmp_path / "x.md"
    path.write_bytes("---\nname: x\n---\n# Título\n".encode("utf-16"))
    doc = parse_file(Target(path, "x.md", "agent"), 1 << 20)
    assert doc.readable and doc.name == "x"
    assert doc.blocks[0].line == 4


def test_file_over_the_size_limit_is_not_parsed(tmp_path: Path) -> None:
    path = tmp_path / "x.md"
    path.write_text("# big\n" + "x" * 2000)
    doc = parse_file(Target(path, "x.md", "command"), 1000)
    assert "too large" in doc.diagnostics[0].message


def test_names() -> None:
    assert parse_text(target(), "# T\n").name == "/x"
    agent = target("agent", ".claude/agents/project/file-stem.md")
    assert parse_text(agent, "---\nname: real-name\n---\n").name == "real-name"
    assert parse_text(agent, "# T\n").name == "file-stem"
    doc = target("document", "docs/guides/agent-guide.md")
    assert parse_text(doc, "# Agent Guide\n").name == "Agent Guide"
