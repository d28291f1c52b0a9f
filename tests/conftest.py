"""Shared helpers: run the linter in-process on temporary repositories."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterable
from pathlib import Path

import pytest

from safety_lint.check import Selector
from safety_lint.config import Config, load_config
from safety_lint.engine import Run, lint, select
from safety_lint.rulepack import RulePack, default_pack

# The rule pack and result caches of the test run (and of the processes it starts) go to a
# folder of their own, never to the developer's ~/.cache.
os.environ.setdefault("SAFETY_LINT_CACHE_DIR", tempfile.mkdtemp(prefix="safety-lint-test-cache-"))

PROJECT = Path(__file__).resolve().parent.parent
FIXTURES = PROJECT / "fixtures"
EXAMPLE_REPO = FIXTURES / "example-repo"
CORPUS = PROJECT.parent / "shared" / "corpus"

# The environment of the CI job that runs these tests: CI=true makes the guard deny where it
# would ask, GITHUB_ACTIONS changes the default output format. Tests set them where they mean to.
_RUNNER_ENV = ("CI", "CLAUDE_CODE_ENTRYPOINT", "CLAUDE_PROJECT_DIR", "GITHUB_ACTIONS")


def pytest_configure(config: pytest.Config) -> None:
    """The same results on a laptop and on a CI runner: cleared before any fixture copies the
    environment for a subprocess."""
    for name in _RUNNER_ENV:
        os.environ.pop(name, None)


EXPECT = re.compile(r"<!--\s*expect:\s*([^>]*?)\s*-->")


def expectations(path: Path) -> set[tuple[str, int]]:
    """`<!-- expect: PS101 -->` on a line expects PS101 on that line; `PS005@1` names the line."""
    found = set()
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        for m in EXPECT.finditer(line):
            for item in m.group(1).split(","):
                code, _, at = item.strip().partition("@")
                found.add((code, int(at) if at else number))
    return found


@pytest.fixture(scope="session")
def pack() -> RulePack:
    return default_pack()


def run_repo(root: Path, paths: Iterable[Path] = (), config: Config | None = None) -> Run:
    pack = default_pack()
    config = config or load_config(root)
    return lint(select(root, list(paths), pack, config), pack, config, Selector())


def copy_tree(src: Path, dst: Path) -> Path:
    shutil.copytree(src, dst, symlinks=True)
    return dst


def cli(cwd: Path | None, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    """safety-lint as a user runs it: a new process, plain output."""
    return subprocess.run(
        [sys.executable, "-m", "safety_lint", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "NO_COLOR": "1", **env},
    )
