"""Finding files: kinds, what is never linted, symlinks, explicit paths."""

from __future__ import annotations

import os
from pathlib import Path

from safety_lint.discover import discover_repository, kind_of, select_paths

CORE = ["CLAUDE.md"]


def touch(root: Path, rel: str, text: str = "# T\n") -> Path:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def test_kinds() -> None:
    assert kind_of(".claude/commands/project/x.md", CORE) == "command"
    assert kind_of(".claude/commands/x.md", CORE) == "command"
    assert kind_of(".claude/agents/a/b/x.md", CORE) == "agent"
    assert kind_of("CLAUDE.md", CORE) == "document"
    assert kind_of(".claude/commands/README.md", CORE) is None
    assert kind_of(".claude/agents/_templates/x.md", CORE) is None
    assert kind_of(".claude/commands/examples/x.md", CORE) is None
    assert kind_of(".claude/commands/x.txt", CORE) is None
    assert kind_of("docs/other.md", CORE) is None


def test_repository_walk_is_sorted_and_lists_missing_core_documents(tmp_path: Path) -> None:
    touch(tmp_path, ".claude/commands/z.md")
    touch(tmp_path, ".claude/commands/a/b.md")
    touch(tmp_path, ".claude/agents/x.md")
    touch(tmp_path, ".claude/agents/README.md")
    (tmp_path / ".claude/commands/dir.md").mkdir()  # a folder named like a file is not a file
    sel = discover_repository(tmp_path, CORE)
    assert [t.rel for t in sel.targets] == [
        ".claude/agents/x.md",
        ".claude/commands/a/b.md",
        ".claude/commands/z.md",
        "CLAUDE.md",
    ]


def test_symlinked_folder_outside_root_and_loops_are_not_followed(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    touch(outside, "secret.md")
    root = tmp_path / "repo"
    touch(root, ".claude/commands/a.md")
    os.symlink(outside, root / ".claude/commands/out")
    os.symlink(root / ".claude/commands", root / ".claude/commands/loop")
    sel = discover_repository(root, [])
    assert [t.rel for t in sel.targets] == [".claude/commands/a.md"]
    assert any("outside the root" in message for _, message in sel.problems)


def test_symlinked_folder_inside_root_is_followed_once(tmp_path: Path) -> None:
    touch(tmp_path, "shared/cmds/s.md")
    touch(tmp_path, ".claude/commands/a.md")
    os.symlink(tmp_path / "shared/cmds", tmp_path / ".claude/commands/shared")
    sel = discover_repository(tmp_path, [])
    assert [t.rel for t in sel.targets] == [".claude/commands/a.md", ".claude/commands/shared/s.md"]


def test_explicit_paths(tmp_path: Path) -> None:
    a = touch(tmp_path, ".claude/commands/a.md")
    other = touch(tmp_path, "notes.md")
    sel = select_paths(tmp_path, [a, other], CORE)
    assert [t.rel for t in sel.targets] == [".claude/commands/a.md"]
    assert sel.skipped == ["notes.md"]


def test_exclude_applies_to_explicit_paths(tmp_path: Path) -> None:
    a = touch(tmp_path, ".claude/commands/legacy/a.md")
    sel = select_paths(tmp_path, [a], CORE, exclude=[".claude/commands/legacy/*"])
    assert sel.targets == []
