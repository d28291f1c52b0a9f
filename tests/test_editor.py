"""The server's linting (editor.py) against `check`: the same verdict for every file, and the
edits of the code actions."""

from __future__ import annotations

import pytest
from conftest import CORPUS, run_repo

from safety_lint.editor import Edit, line_edits, lint_text, load_project, target_for

# Repositories of the shared corpus with commands that delegate to agents and agents that
# invoke agents: the verdicts that depend on other files.
CORPUS_REPOS = (
    "wshobson__commands",
    "SuperClaude-Org__SuperClaude_Framework",
    "ruvnet__claude-flow",
)


@pytest.mark.parametrize("name", CORPUS_REPOS)
def test_a_buffer_gets_the_verdict_check_gives_its_file(name: str) -> None:
    root = CORPUS / name
    if not root.is_dir():
        pytest.skip("the shared corpus is not here")
    expected = {r.path: r for r in run_repo(root).results if (root / r.path).is_file()}
    project = load_project(root)
    assert expected
    for rel, result in sorted(expected.items()):
        target = target_for(project, root / rel)
        assert target is not None and target.kind == result.kind, rel
        try:
            text = (root / rel).read_text(encoding="utf-8")
        except (UnicodeDecodeError, OSError):
            continue  # an unreadable file is read by check, not by an editor
        got = lint_text(project, target, text).result
        assert (got.status, got.cls, got.violations) == (
            result.status,
            result.cls,
            result.violations,
        ), rel


def test_line_edits_are_the_inserted_lines() -> None:
    assert line_edits("a\nb\n", "a\nnew\nb\n") == [Edit(1, 1, "new\n")]
    assert line_edits("a\nb", "a\nb\n\nend") == [Edit(1, 2, "b\n\nend")]
    assert line_edits("a\r\nb\r\n", "a\r\nb\r\n") == []
