"""`check` as a function: what the command line decides, without a process or typer."""

from __future__ import annotations

from pathlib import Path

import pytest

from safety_lint.runner import CheckRequest, UsageError, run_check

BAD = "---\ndescription: Ship it\nsafety-class: deployment\n---\n# Ship\n\nRuns the release.\n"


def _repo(tmp_path: Path) -> Path:
    root = tmp_path / "platform"
    (root / ".claude/commands").mkdir(parents=True)
    (root / ".claude/commands/ship.md").write_text(BAD, encoding="utf-8")
    (root / ".safety-lint.yaml").write_text("core-documents: []\n", encoding="utf-8")
    return root


def test_run_check_returns_the_exit_code_and_the_report(tmp_path: Path) -> None:
    root = _repo(tmp_path)
    outcome = run_check(CheckRequest(paths=[root], cwd=tmp_path))
    assert outcome.exit_code == 1
    assert [r.path for r in outcome.results] == [".claude/commands/ship.md"]
    assert "platform/.claude/commands/ship.md:5:1: PS101 production-safety-section" in (
        outcome.stdout
    )


def test_run_check_selects_rules_and_formats(tmp_path: Path) -> None:
    root = _repo(tmp_path)
    outcome = run_check(CheckRequest(paths=[root], cwd=root, select=["PS104"], formats=["json"]))
    assert outcome.exit_code == 0
    assert '"status": "pass"' in outcome.stdout


def test_usage_problems_are_one_exception(tmp_path: Path) -> None:
    root = _repo(tmp_path)
    with pytest.raises(UsageError, match="unknown rule 'nope'"):
        run_check(CheckRequest(paths=[root], select=["nope"]))
    with pytest.raises(UsageError, match="no such file"):
        run_check(CheckRequest(paths=[root / "notes.md"], root=root))
