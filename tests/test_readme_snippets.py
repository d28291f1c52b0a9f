"""Every code block of the README, executed or checked as what it is (issue 14, item 5).

Each block is sorted into one kind; a block of no known kind fails the first test, so a new
snippet cannot go untested. What each kind does with a block:

- shell (`bash`): every `safety-lint ...` command runs in a repository of its own and must not
  be a usage error; `pip install` lines are the install test below; the project's own
  development lines (venv, `pip install .`/`-e`, pytest, ruff, mypy) are this test suite's own
  setup and are not run again here.
- install: `pip install ./safety-lint` runs as written (from a folder where `./safety-lint` is
  this clone) and the git-URL line with `file://` and this clone's commit for the URL and
  `<commit>`; the installed copy then checks a repository.
- pre-commit (`yaml` with `repos:`): the `repo: local` hook runs as written with the real
  `pre-commit`; the pinned form runs with this clone's path and commit for `repo:` and `rev:`.
- workflow (`yaml` with `jobs:`): valid YAML; every `safety-lint` step runs; a `pip install`
  step must install from a path or a git URL, never the unpublished name. Not run on GitHub.
- configuration (`yaml` of configuration keys): loaded and used by `check`.
- rule pack (`yaml` with `rules:`): loaded with the bundled pack.
- catalogue pack (`yaml` with only `catalogue:`/`lexicons:`): loaded with the built-in ones.
- json and toml: parse (lua: the Neovim set-up, checked in test_editors.py). markdown (the
  suppression example): no `invalid-suppression` in a command.
- text: a `safety-lint SUBCOMMAND` synopsis line has `--help`; a `$ safety-lint ...` example runs.
  Other text is output, shown and not run.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import sysconfig
import tempfile
from pathlib import Path

import pytest
from conftest import EXAMPLE_REPO, FIXTURES, PROJECT

from safety_lint.config import KEYS, parse_config
from safety_lint.rulepack import TOP_KEYS, bundled_rules_dir, load_pack

README = (PROJECT / "README.md").read_text(encoding="utf-8")
FENCE = re.compile(r"^```(\w*)\n(.*?)^```[ \t]*$", re.M | re.S)
BLOCKS = [
    (README.count("\n", 0, m.start()) + 1, m.group(1), m.group(2)) for m in FENCE.finditer(README)
]
# The project's own development setup: the test suite itself is what they run.
DEVELOPMENT = re.compile(
    r"^(python3? -m venv|\. \.venv/bin/activate|pip install (-e |\.$)|python -m pytest|ruff |mypy)"
)
SAFETY_LINT = [sys.executable, "-m", "safety_lint"]
PRE_COMMIT = shutil.which("pre-commit") or str(Path(sys.executable).parent / "pre-commit")


def _top_keys(body: str) -> set[str]:
    return {m.group(1) for m in re.finditer(r"^([\w-]+):", body, re.M)}


def kind_of(info: str, body: str) -> str | None:
    keys = _top_keys(body)
    if info == "bash":
        return "shell"
    if info == "yaml":
        if "repos" in keys:
            return "pre-commit"
        if "jobs" in keys:
            return "workflow"
        pack_keys = {"rules", "words", "concepts", "negation", "classification"}
        if keys & pack_keys and keys <= set(TOP_KEYS):
            return "rule pack"  # rules, or phrasings a team adds to the bundled concepts
        if keys and keys <= {"catalogue", "lexicons"}:
            return "catalogue pack"
        if keys and keys <= set(KEYS):
            return "configuration"
        return None
    if info in ("json", "markdown", "text", "toml", "lua"):
        return info  # toml and lua: the editor set-up, also checked in test_editors.py
    return None


def blocks(kind: str) -> list[tuple[int, str]]:
    return [(line, body) for line, info, body in BLOCKS if kind_of(info, body) == kind]


def commands(body: str) -> list[str]:
    """Each command of a shell block: comments dropped, `a && b` split."""
    out = []
    for line in body.splitlines():
        words = shlex.split(line, comments=True)
        if not words:
            continue
        for part in " ".join(shlex.quote(w) for w in words).split(" '&&' "):
            out.append(part.strip())
    return out


# README commands run with a HOME of their own: a snippet such as `guard install --user` must
# never write into the real ~/.claude of whoever runs the tests.
_HOME = Path(tempfile.mkdtemp(prefix="safety-lint-readme-home-"))


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GITHUB_")}
    path = str(Path(sys.executable).parent) + os.pathsep + env.get("PATH", "")
    return {
        **env,
        "PATH": path,
        "HOME": str(_HOME),
        "XDG_CACHE_HOME": str(_HOME / ".cache"),
        "NO_COLOR": "1",
        "GIT_AUTHOR_NAME": "t",
        "GIT_AUTHOR_EMAIL": "t@example.invalid",
        "GIT_COMMITTER_NAME": "t",
        "GIT_COMMITTER_EMAIL": "t@example.invalid",
    }


def run(args: list[str], cwd: Path, timeout: int = 600) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        args, cwd=cwd, env=_env(), capture_output=True, text=True, check=False, timeout=timeout
    )


@pytest.fixture
def team(tmp_path: Path) -> Path:
    """A repository of its own shape, in git: one deployment command, one agent."""
    root = tmp_path / "ops-repo"
    root.mkdir()
    run(["git", "init", "-q"], root)
    shutil.copy(FIXTURES / "rules/documents/pass/CLAUDE.md", root / "CLAUDE.md")
    for kind, name, cls in (
        ("command", "ship-it", "deployment"),
        ("agent", "shipper", "deployment"),
    ):
        assert run([*SAFETY_LINT, "new", kind, name, "--class", cls], root).returncode == 0
    run(["git", "add", "-A"], root)
    run(["git", "commit", "-qm", "base"], root)
    return root


def test_every_block_has_a_kind() -> None:
    unknown = [(line, info) for line, info, body in BLOCKS if kind_of(info, body) is None]
    assert not unknown, f"README blocks no test knows how to run: {unknown}"


@pytest.mark.parametrize(("line", "body"), blocks("shell"))
def test_shell_blocks(team: Path, line: int, body: str) -> None:
    for command in commands(body):
        if DEVELOPMENT.match(command) or command.startswith("pip install"):
            continue  # the development setup, and the install test below
        words = shlex.split(command)
        assert words[0] == "safety-lint", f"README line {line}: no test runs `{command}`"
        cwd = PROJECT if any(w.startswith("fixtures/") for w in words) else team
        result = run([*SAFETY_LINT, *words[1:]], cwd)
        assert result.returncode in (0, 1), f"README line {line}: {command}\n{result.stderr}"
        assert "error:" not in result.stderr, f"README line {line}: {command}\n{result.stderr}"


def _head() -> str:
    result = run(["git", "rev-parse", "HEAD"], PROJECT)
    if result.returncode != 0:
        pytest.skip("not a git checkout of safety-lint")
    return result.stdout.strip()


def test_the_install_lines_resolve(tmp_path: Path, team: Path) -> None:
    lines = [
        c for _, body in blocks("shell") for c in commands(body) if c.startswith("pip install")
    ]
    lines = [c for c in lines if not DEVELOPMENT.match(c)]
    assert len(lines) == 2, lines  # a clone, and the pinned git URL
    (tmp_path / "safety-lint").symlink_to(PROJECT)
    commit = _head()
    for n, line in enumerate(lines):
        words = shlex.split(line)
        words = [
            re.sub(r"git\+https://[^@]+@<commit>", f"git+file://{PROJECT}@{commit}", w)
            for w in words
        ]
        target = tmp_path / f"site-{n}"
        # As written, plus: into a folder of its own, without the dependencies (installed here).
        result = run(
            [sys.executable, "-m", *words, "--no-deps", "--quiet", "--target", str(target)],
            tmp_path,
        )
        assert result.returncode == 0, f"{line}\n{result.stdout}\n{result.stderr}"
        # -S: no site, so this checkout's editable install is not on the path; the
        # dependencies come from this environment's site-packages.
        deps = sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]
        env = {**_env(), "PYTHONPATH": os.pathsep.join([str(target), *deps])}
        where = subprocess.run(
            [sys.executable, "-S", "-c", "import safety_lint; print(safety_lint.__file__)"],
            cwd=team,
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        assert where.stdout.startswith(str(target)), where.stdout  # the installed copy runs
        checked = subprocess.run(
            [sys.executable, "-S", "-m", "safety_lint", "check"],
            cwd=team,
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        assert checked.returncode == 0, checked.stdout + checked.stderr


pre_commit = pytest.mark.skipif(
    not Path(PRE_COMMIT).exists() or shutil.which("git") is None,
    reason="needs pre-commit and git",
)


@pre_commit
@pytest.mark.parametrize(("line", "body"), blocks("pre-commit"))
def test_pre_commit_blocks(tmp_path: Path, team: Path, line: int, body: str) -> None:
    config = body
    if "repo: local" not in body:
        config = re.sub(r"repo: \S+", f"repo: {PROJECT}", config)
        config = config.replace("rev: <commit>", f"rev: {_head()}")
    assert "<" not in re.sub(r"#.*", "", config), f"README line {line}: a placeholder is left"
    (team / ".pre-commit-config.yaml").write_text(config, encoding="utf-8")
    bad = team / ".claude/commands/ship-it.md"
    bad.write_text(bad.read_text().replace("## ⚠️ PRODUCTION SAFETY ⚠️", "## Safety"))
    run(["git", "add", "-A"], team)
    env_home = {"PRE_COMMIT_HOME": str(tmp_path / "pre-commit-home")}
    result = subprocess.run(
        [PRE_COMMIT, "run", "--all-files"],
        cwd=team,
        env={**_env(), **env_home},
        capture_output=True,
        text=True,
        check=False,
        timeout=900,
    )
    assert result.returncode == 1, result.stdout + result.stderr  # the hook blocks the commit
    assert ".claude/commands/ship-it.md:8:1: PS101 production-safety-section" in result.stdout


@pytest.mark.parametrize(("line", "body"), blocks("workflow"))
def test_workflow_blocks(team: Path, line: int, body: str) -> None:
    from ruamel.yaml import YAML

    workflow = YAML(typ="safe").load(body)
    steps = [s for job in workflow["jobs"].values() for s in job["steps"] if "run" in s]
    for step in steps:
        words = shlex.split(step["run"], comments=True)
        if words[:2] == ["pip", "install"]:
            source = words[2]
            assert "/" in source or source.startswith("."), (
                f"README line {line}: `{step['run']}` installs a name that is not published"
            )
        elif words[0] == "safety-lint":
            result = run([*SAFETY_LINT, *words[1:]], team)
            assert result.returncode in (0, 1), f"{step['run']}\n{result.stderr}"


@pytest.mark.parametrize(("line", "body"), blocks("configuration"))
def test_configuration_blocks(tmp_path: Path, team: Path, line: int, body: str) -> None:
    from ruamel.yaml import YAML

    data = YAML(typ="safe").load(body)
    for folder in data.get("rules", []):
        (team / folder).mkdir(parents=True, exist_ok=True)
    parse_config(team / ".safety-lint.yaml", data, body)
    (team / ".safety-lint.yaml").write_text(body, encoding="utf-8")
    result = run([*SAFETY_LINT, "check"], team)
    assert result.returncode in (0, 1), f"README line {line}\n{result.stderr}"


@pytest.mark.parametrize(("line", "body"), blocks("rule pack"))
def test_rule_pack_blocks(tmp_path: Path, line: int, body: str) -> None:
    (tmp_path / "team.yaml").write_text(body, encoding="utf-8")
    pack = load_pack([bundled_rules_dir(), tmp_path])
    for name in re.findall(r"^    name: ([\w-]+)", body, re.M):
        assert pack.find(name) is not None


@pytest.mark.parametrize(("line", "body"), blocks("catalogue pack"))
def test_catalogue_pack_blocks(tmp_path: Path, line: int, body: str) -> None:
    from safety_lint.catalogue import catalogue_for
    from safety_lint.lexicon import lexicons_for

    (tmp_path / "team.yaml").write_text(body, encoding="utf-8")
    catalogue_for([tmp_path])  # raises CatalogueError, with file and line, if invalid
    lexicons_for([tmp_path])


@pytest.mark.parametrize(("line", "body"), blocks("json"))
def test_json_blocks(line: int, body: str) -> None:
    json.loads(body)


@pytest.mark.parametrize(("line", "body"), blocks("toml"))
def test_toml_blocks(line: int, body: str) -> None:
    if sys.version_info >= (3, 11):
        import tomllib
    else:
        import tomli as tomllib
    tomllib.loads(body)


@pytest.mark.parametrize(("line", "body"), blocks("markdown"))
def test_markdown_blocks(team: Path, line: int, body: str) -> None:
    path = team / ".claude/commands/legacy-deploy.md"
    path.write_text(body, encoding="utf-8")
    result = run([*SAFETY_LINT, "check", ".claude/commands/legacy-deploy.md"], team)
    assert "PS006" not in result.stdout, result.stdout


@pytest.mark.parametrize(("line", "body"), blocks("text"))
def test_text_blocks(line: int, body: str) -> None:
    for text in body.splitlines():
        if text.startswith("safety-lint ") and not text.startswith("safety-lint --"):
            sub = text.split()[1]
            result = run([*SAFETY_LINT, sub, "--help"], PROJECT)
            assert result.returncode == 0, f"README line {line}: {text}"
        elif text.startswith("$ safety-lint "):
            words = shlex.split(text[2:])
            cwd = EXAMPLE_REPO if any(w.startswith(".claude/") for w in words) else PROJECT
            result = run([*SAFETY_LINT, *words[1:]], cwd)
            assert result.returncode in (0, 1), f"README line {line}: {text}\n{result.stderr}"
