"""Configuration files: found by walking up, validated strictly, applied."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import FIXTURES, run_repo

from safety_lint.config import ConfigError, load_config


def test_nearest_configuration_wins(tmp_path: Path) -> None:
    (tmp_path / ".safety-lint.yaml").write_text("exclude: [a]\n")
    inner = tmp_path / "repo"
    inner.mkdir()
    (inner / "pyproject.toml").write_text('[tool.safety-lint]\nexclude = ["b"]\n')
    assert load_config(inner).exclude == ["b"]
    assert load_config(tmp_path).exclude == ["a"]


def test_pyproject_without_our_table_is_skipped(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()  # the search goes up to the top of the work tree, not above
    (tmp_path / ".safety-lint.yaml").write_text("exclude: [a]\n")
    inner = tmp_path / "repo"
    inner.mkdir()
    (inner / "pyproject.toml").write_text("[project]\nname = 'x'\n")
    assert load_config(inner).exclude == ["a"]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "exclude: [a]\nignroe: [PS101]\n",
            ".safety-lint.yaml:2: unknown key 'ignroe' in the configuration; did you mean 'ignore'?",
        ),
        (
            "classes:\n  '.claude/x.md': deploy\n",
            ".safety-lint.yaml:2: class of '.claude/x.md' is 'deploy'",
        ),
        (
            "max-file-size: big\n",
            ".safety-lint.yaml:1: 'max-file-size' must be a positive number of bytes",
        ),
        ("exclude: [a\n", "invalid YAML"),
    ],
)
def test_bad_configuration_names_file_and_line(tmp_path: Path, text: str, message: str) -> None:
    (tmp_path / ".safety-lint.yaml").write_text(text)
    with pytest.raises(ConfigError) as err:
        load_config(tmp_path)
    assert message in str(err.value)


def test_bad_configuration_exits_two_through_the_cli(tmp_path: Path) -> None:
    (tmp_path / ".safety-lint.yaml").write_text("selct: [PS101]\n")
    result = subprocess.run(
        [sys.executable, "-m", "safety_lint", "check", str(tmp_path)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 2
    assert "did you mean 'select'?" in result.stderr


def test_class_override_and_exclude_apply(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    commands = root / ".claude/commands"
    commands.mkdir(parents=True)
    shutil.copy(FIXTURES / "rules/commands/deploy-no-section.md", commands / "a.md")
    shutil.copy(FIXTURES / "rules/commands/deploy-no-section.md", commands / "legacy.md")
    (root / ".claude/agents").mkdir()
    shutil.copy(
        FIXTURES / "rules/agents/dataset-deployer.md", root / ".claude/agents/dataset-deployer.md"
    )
    (root / ".safety-lint.yaml").write_text(
        "core-documents: []\nexclude: ['.claude/commands/legacy.md']\n"
        "classes:\n  '.claude/commands/a.md': read-only\n"
    )
    (result,) = [r for r in run_repo(root).results if r.kind == "command"]
    assert (result.path, result.cls, result.class_source) == (
        ".claude/commands/a.md",
        "read-only",
        "config",
    )
    # A read-only command that accepts --environment must say it is code-only.
    assert [v.requirement for v in result.violations] == ["code-only-note"]
