"""The command line as a user meets it: output, formats, selection and exit codes."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import FIXTURES
from typer.testing import CliRunner

from safety_lint.cli import app

runner = CliRunner()
RULES = FIXTURES / "rules"


def cli(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "safety_lint", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env={**os.environ, "NO_COLOR": "1"},
        check=False,
    )


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A small repository: one passing and one failing command, plus passing core documents."""
    root = shutil.copytree(RULES / "documents" / "pass", tmp_path / "repo")
    commands = root / ".claude" / "commands" / "project"
    commands.mkdir(parents=True)
    shutil.copy(RULES / "commands" / "deploy-no-agent.md", commands / "good.md")
    shutil.copy(RULES / "commands" / "deploy-no-stop.md", commands / "bad.md")
    (root / ".claude/agents").mkdir()
    shutil.copy(
        RULES / "agents" / "dataset-deployer.md", root / ".claude/agents/dataset-deployer.md"
    )
    return root


def test_text_output_names_path_line_code_requirement(repo: Path) -> None:
    result = runner.invoke(app, ["check", str(repo)])
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    # The repository is not below the current folder: paths are absolute, so they can be opened.
    assert re.fullmatch(
        re.escape(str(repo))
        + r"/\.claude/commands/project/bad\.md:29:1: PS104 stop-immediately .*stop immediately.*",
        lines[0],
    ), lines[0]
    assert lines[-1] == "7 files checked: 6 passed, 1 failed, 0 in error; 1 error, 0 warnings"


def test_clean_repository_exits_zero(repo: Path) -> None:
    (repo / ".claude/commands/project/bad.md").unlink()
    result = runner.invoke(app, ["check", str(repo)])
    assert result.exit_code == 0, result.stdout
    assert (
        result.stdout.strip()
        == "6 files checked: 6 passed, 0 failed, 0 in error; 0 errors, 0 warnings"
    )


def test_json_contract(repo: Path) -> None:
    result = runner.invoke(app, ["check", str(repo), "--format", "json"])
    data = json.loads(result.stdout)
    assert data["version"] == 1
    assert [f["path"] for f in data["files"]] == sorted(f["path"] for f in data["files"])
    bad = next(f for f in data["files"] if f["path"] == ".claude/commands/project/bad.md")
    assert set(bad) == {
        "path",
        "kind",
        "plugin",
        "name",
        "class",
        "class_source",
        "evidence",
        "status",
        "met",
        "violations",
    }
    assert (bad["kind"], bad["name"], bad["class"], bad["class_source"], bad["status"]) == (
        "command",
        "/bad",
        "deployment",
        "inferred",
        "fail",
    )
    assert bad["evidence"][0].startswith("3: argument-hint")
    assert "three-questions" in bad["met"] and "stop-immediately" not in bad["met"]
    (v,) = bad["violations"]
    assert v | {"message": ""} == {
        "rule": "PS104",
        "requirement": "stop-immediately",
        "severity": "error",
        "line": 29,
        "column": 1,
        "message": "",
        "fixable": False,
    }
    assert data["summary"] == {
        "files": 7,
        "pass": 6,
        "fail": 1,
        "error": 0,
        "missing": 0,
        "violations": 1,
    }


def test_ignore_and_select_by_code_or_name(repo: Path) -> None:
    assert runner.invoke(app, ["check", str(repo), "--ignore", "PS104"]).exit_code == 0
    assert runner.invoke(app, ["check", str(repo), "--ignore", "stop-immediately"]).exit_code == 0
    assert runner.invoke(app, ["check", str(repo), "--select", "PS101,PS102"]).exit_code == 0
    assert runner.invoke(app, ["check", str(repo), "--select", "stop-immediately"]).exit_code == 1


def test_unknown_rule_is_a_usage_error(repo: Path) -> None:
    result = cli("check", str(repo), "--select", "PS999")
    assert result.returncode == 2
    assert "unknown rule 'PS999'" in result.stderr


def test_usage_error_exits_two() -> None:
    assert cli("check", "--no-such-flag").returncode == 2
    assert cli("check", "/no/such/path").returncode == 2


def test_explicit_files_are_checked_as_given_and_others_skipped(repo: Path) -> None:
    (repo / "README.md").write_text("# Not linted\n")
    result = cli(
        "check",
        ".claude/commands/project/good.md",
        "README.md",
        "docs/guides/agent-guide.md",
        cwd=repo,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    # Only the command and the core document: no repository-level check of the missing files.
    assert result.stdout.strip().startswith("2 files checked: 2 passed")


def test_explicit_files_run_skips_missing_core_documents(repo: Path) -> None:
    (repo / "CLAUDE.md").unlink()
    result = cli("check", ".claude/commands/project/good.md", cwd=repo)
    assert result.returncode == 0
    whole = cli("check", str(repo))
    assert (
        "CLAUDE.md:1:1: PS301 claude-md-reference core document `CLAUDE.md` is missing"
        in whole.stdout
    )


def test_classify_lists_class_and_source(repo: Path) -> None:
    result = runner.invoke(app, ["classify", str(repo)])
    assert result.exit_code == 0
    row = next(line for line in result.stdout.splitlines() if "good.md" in line)
    assert row.split()[:4] == [
        ".claude/commands/project/good.md",
        "command",
        "deployment",
        "inferred",
    ]


def test_classify_explain_and_json(repo: Path) -> None:
    result = runner.invoke(app, ["classify", "--explain", str(repo)])
    assert (
        "line 3: deployment decides argument-hint: accepts an `--environment` parameter"
        in result.stdout
    )
    data = json.loads(runner.invoke(app, ["classify", "--format", "json", str(repo)]).stdout)
    good = next(f for f in data["files"] if f["path"].endswith("good.md"))
    assert good["class"] == "deployment"
    assert {"line": 3, "signal": "deployment", "weight": 3}.items() <= good["evidence"][0].items()


def test_rules_and_explain() -> None:
    table = runner.invoke(app, ["rules"]).stdout
    assert re.search(r"^PS106\s+three-questions\s+error", table, re.M)
    for key in ("PS106", "three-questions"):
        text = runner.invoke(app, ["explain", key]).stdout
        assert text.startswith("## PS106 three-questions")
        assert "Type 'PRODUCTION' to confirm" in text
    wrong = cli("explain", "three-question")
    assert wrong.returncode == 2 and "did you mean 'three-questions'" in wrong.stderr


def test_version() -> None:
    result = cli("--version")
    assert result.returncode == 0 and re.fullmatch(r"safety-lint \d+\.\d+\.\d+\n", result.stdout)


def test_no_colour_when_piped(repo: Path) -> None:
    assert "\x1b[" not in cli("check", str(repo)).stdout
