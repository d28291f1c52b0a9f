"""The pre-commit hooks, run by the real `pre-commit` tool against this checkout."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
from conftest import FIXTURES, PROJECT

PRE_COMMIT = shutil.which("pre-commit") or str(Path(os.sys.executable).parent / "pre-commit")
pytestmark = pytest.mark.skipif(
    not Path(PRE_COMMIT).exists() or shutil.which("git") is None or not (PROJECT / ".git").exists(),
    reason="needs pre-commit, git and a git checkout of safety-lint",
)


def git(cwd: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True)


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    home = tmp_path_factory.mktemp("pre-commit-home")
    return {
        **os.environ,
        "PRE_COMMIT_HOME": str(home),
        "NO_COLOR": "1",
        "GIT_AUTHOR_NAME": "t",
        "GIT_AUTHOR_EMAIL": "t@example.invalid",
        "GIT_COMMITTER_NAME": "t",
        "GIT_COMMITTER_EMAIL": "t@example.invalid",
    }


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    root = shutil.copytree(FIXTURES / "rules/documents/pass", tmp_path / "repo")
    (root / ".claude/commands/project").mkdir(parents=True)
    shutil.copy(
        FIXTURES / "rules/commands/deploy-no-agent.md", root / ".claude/commands/project/good.md"
    )
    (root / ".claude/agents").mkdir()
    shutil.copy(FIXTURES / "rules/agents/dataset-deployer.md", root / ".claude/agents/deployer.md")
    git(root, "init", "-q")
    git(root, "add", "-A")
    return root


def try_repo(
    repo: Path, env: dict[str, str], hook: str, *args: str
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [PRE_COMMIT, "try-repo", str(PROJECT), hook, *args],
        cwd=repo,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=600,
    )


def test_manifest_is_valid() -> None:
    result = subprocess.run(
        [PRE_COMMIT, "validate-manifest", str(PROJECT / ".pre-commit-hooks.yaml")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_hook_blocks_a_violation_and_names_the_file(repo: Path, env: dict[str, str]) -> None:
    bad = repo / ".claude/commands/project/bad.md"
    shutil.copy(FIXTURES / "rules/commands/deploy-no-section.md", bad)
    git(repo, "add", "-A")
    result = try_repo(repo, env, "safety-lint", "--files", ".claude/commands/project/bad.md")
    assert result.returncode == 1, result.stdout + result.stderr
    assert ".claude/commands/project/bad.md:6:1: PS101 production-safety-section" in result.stdout


def test_hook_passes_a_clean_tree(repo: Path, env: dict[str, str]) -> None:
    result = try_repo(repo, env, "safety-lint", "--all-files")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Passed" in result.stdout


def test_status_hook(repo: Path, env: dict[str, str]) -> None:
    stale = try_repo(repo, env, "safety-lint-status", "--all-files")
    assert stale.returncode == 1 and "safety-lint status --write" in stale.stdout
    subprocess.run(
        [os.sys.executable, "-m", "safety_lint", "status", "--write", str(repo)],
        check=True,
        capture_output=True,
    )
    git(repo, "add", "-A")
    fresh = try_repo(repo, env, "safety-lint-status", "--all-files")
    assert fresh.returncode == 0, fresh.stdout + fresh.stderr
