"""A stranger's pull request, tried as an attacker would (issue 11), through the real CLI.

Whatever a pull request can put in a repository (a symlink, a file name, a FIFO, a frontmatter
key, a rule pack, a configuration) is hostile. Each numbered case of the issue is a test here,
with variants; the leak cases assert that no byte of the secret outside the repository appears
in any output. CI runs as root, so the cases where root makes a difference run as root, and
skip with a reason elsewhere.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
from conftest import FIXTURES

SECRET = "SECRET-b7e1c9d4"
IS_ROOT = hasattr(os, "geteuid") and os.geteuid() == 0
GIT = shutil.which("git")
CMD = ".claude/commands/project/"
DEPLOY = (FIXTURES / "rules/commands/deploy-no-section.md").read_text(encoding="utf-8")


def run(
    cwd: Path, *args: str | Path, timeout: float = 60, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """safety-lint in a new process; output decoded so that any byte stays visible."""
    try:
        p = subprocess.run(
            [sys.executable, "-m", "safety_lint", *map(str, args)],
            cwd=cwd,
            capture_output=True,
            timeout=timeout,
            check=False,
            stdin=subprocess.DEVNULL,
            env={**os.environ, "NO_COLOR": "1", **(env or {})},
        )
    except subprocess.TimeoutExpired:
        pytest.fail(f"safety-lint {args} did not finish within {timeout} s")
    out = subprocess.CompletedProcess(
        p.args,
        p.returncode,
        p.stdout.decode("utf-8", "surrogateescape"),
        p.stderr.decode("utf-8", "surrogateescape"),
    )
    assert "Traceback" not in out.stderr, out.stderr
    assert "internal error" not in out.stderr, out.stderr
    return out


def one_error(out: subprocess.CompletedProcess[str]) -> bool:
    """Exactly one error line (an unconfigured repository also gets a note on stderr)."""
    return len([x for x in out.stderr.splitlines() if x.startswith("safety-lint: error:")]) == 1


def no_secret(*outs: subprocess.CompletedProcess[str]) -> None:
    for out in outs:
        assert SECRET not in out.stdout and SECRET not in out.stderr, (out.stdout, out.stderr)


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    (root / CMD).mkdir(parents=True)
    (root / ".claude/agents").mkdir(parents=True)
    (root / CMD / "deploy.md").write_text(DEPLOY, encoding="utf-8")
    (root / "CLAUDE.md").write_text("# Project\n\nRule #0.\n", encoding="utf-8")
    return root


@pytest.fixture
def secret(tmp_path: Path) -> Path:
    """A file outside the repository that must never be read."""
    path = tmp_path / "outside" / "secret.md"
    path.parent.mkdir()
    path.write_text(
        f"---\nname: {SECRET}\n---\n# {SECRET}\n\nTOKEN={SECRET}\n## {SECRET}\n", encoding="utf-8"
    )
    return path


def git(root: Path, *args: str) -> None:
    subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@t", *args],
        cwd=root,
        check=True,
        capture_output=True,
    )


def git_repo(root: Path) -> Path:
    if GIT is None:
        pytest.skip("git is not installed")
    git(root, "init", "-q")
    git(root, "add", "-A")
    git(root, "commit", "-qm", "init")
    return root


def snapshot(folder: Path) -> dict[str, tuple[object, ...]]:
    out: dict[str, tuple[object, ...]] = {}
    for dirpath, dirnames, filenames in os.walk(folder):
        for name in dirnames + filenames:
            p = Path(dirpath) / name
            st = p.lstat()
            data = p.read_bytes() if stat.S_ISREG(st.st_mode) else b""
            out[str(p)] = (st.st_mode, st.st_uid, st.st_nlink, data)
    return out


# --- 1. secrets printed into the CI log --------------------------------------------------------

STATUS = "docs/standards/production-safety-implementation-status.md"


@pytest.mark.parametrize("mode", [[], ["--check"], ["--write"]])
def test_1_status_document_symlinked_outside_is_not_read(
    repo: Path, secret: Path, mode: list[str]
) -> None:
    (repo / STATUS).parent.mkdir(parents=True)
    (repo / STATUS).symlink_to(secret)
    before = secret.read_bytes()
    out = run(repo, "status", *mode, ".")
    assert out.returncode == 2
    assert "outside the repository root" in out.stderr
    assert one_error(out)
    no_secret(out)
    assert secret.read_bytes() == before and (repo / STATUS).is_symlink()


def test_1_proc_self_environ_is_not_printed(repo: Path) -> None:
    if not Path("/proc/self/environ").exists():
        pytest.skip("no /proc on this machine")
    (repo / STATUS).parent.mkdir(parents=True)
    (repo / STATUS).symlink_to("/proc/self/environ")
    out = run(repo, "status", "--check", ".", env={"JOB_TOKEN": SECRET})
    assert out.returncode == 2
    no_secret(out)


def test_1_status_folder_symlinked_outside(repo: Path, secret: Path) -> None:
    (repo / "docs").mkdir()
    (repo / "docs/standards").symlink_to(secret.parent, target_is_directory=True)
    shutil.copy(secret, secret.parent / "production-safety-implementation-status.md")
    out = run(repo, "status", "--check", ".")
    assert out.returncode == 2
    no_secret(out)


# --- 2. symlinks leaving the root are followed -------------------------------------------------


def test_2_core_document_linked_to_dev_zero_is_not_read(repo: Path) -> None:
    (repo / "CLAUDE.md").unlink()
    (repo / "CLAUDE.md").symlink_to("/dev/zero")
    t0 = time.monotonic()
    out = run(repo, "check", ".", "--format", "json", timeout=30)
    assert time.monotonic() - t0 < 30
    assert out.returncode == 1
    entry = next(f for f in json.loads(out.stdout)["files"] if f["path"] == "CLAUDE.md")
    assert entry["status"] == "error"
    assert "outside the repository root" in entry["violations"][0]["message"]


@pytest.mark.parametrize("fmt", ["text", "json", "github", "sarif", "junit"])
def test_2_core_document_linked_outside_leaks_nothing(repo: Path, secret: Path, fmt: str) -> None:
    (repo / "CLAUDE.md").unlink()
    (repo / "CLAUDE.md").symlink_to(secret)
    (repo / ".claude/agents/spy.md").symlink_to(secret)
    no_secret(run(repo, "check", ".", "--format", fmt), run(repo, "classify", "--explain", "."))
    no_secret(run(repo, "check", "CLAUDE.md", ".claude/agents/spy.md", "--format", fmt))


def test_2_fix_through_a_folder_linked_outside_writes_nothing(repo: Path, tmp_path: Path) -> None:
    outside = tmp_path / "ext-target"
    outside.mkdir()
    (outside / "x.md").write_text(DEPLOY, encoding="utf-8")
    (repo / CMD / "ext").symlink_to(outside, target_is_directory=True)
    before = snapshot(outside)
    out = run(repo, "check", "--fix", CMD + "ext/x.md")
    assert "outside the repository root" in out.stderr
    assert snapshot(outside) == before
    # the whole repository: the linked folder is reported and not followed
    out = run(repo, "check", "--fix", ".")
    assert "not followed" in out.stderr
    assert snapshot(outside) == before


def test_2_changed_since_does_not_read_committed_links_outside(repo: Path, secret: Path) -> None:
    git_repo(repo)
    (repo / CMD / "leak.md").symlink_to(secret)
    (repo / ".claude/agents/leak.md").symlink_to(secret)
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "links")
    for fmt in ("text", "json"):
        out = run(repo, "check", "--changed-since", "HEAD~1", "--format", fmt)
        assert "outside the repository root" in out.stderr
        no_secret(out)


def test_2_configuration_and_rule_pack_linked_outside(repo: Path, secret: Path) -> None:
    (repo / ".safety-lint.yaml").symlink_to(secret)
    out = run(repo, "check", ".")
    assert out.returncode == 2 and "outside the repository root" in out.stderr
    no_secret(out)
    (repo / ".safety-lint.yaml").unlink()
    (repo / "policy").mkdir()
    (repo / "policy/team.yaml").symlink_to(secret)
    (repo / ".safety-lint.yaml").write_text("rules: [policy]\n")
    out = run(repo, "check", ".")
    assert out.returncode == 2
    no_secret(out)
    (repo / ".safety-lint.yaml").write_text(f"rules: ['{secret.parent}']\n")
    out = run(repo, "check", ".")
    assert out.returncode == 2 and "outside the repository" in out.stderr
    no_secret(out)


def test_2_core_documents_outside_the_root_are_refused(repo: Path, secret: Path) -> None:
    for doc in (str(secret), "../outside/secret.md"):
        (repo / ".safety-lint.yaml").write_text(f"core-documents: ['{doc}']\n")
        out = run(repo, "check", ".")
        assert out.returncode == 2 and "inside the repository" in out.stderr
        no_secret(out)


def test_2_symlink_inside_the_root_is_still_read(repo: Path) -> None:
    (repo / "docs").mkdir()
    (repo / "docs/real.md").write_text(DEPLOY, encoding="utf-8")
    (repo / CMD / "alias.md").symlink_to(repo / "docs/real.md")
    out = run(repo, "check", ".", "--format", "json")
    entry = next(f for f in json.loads(out.stdout)["files"] if f["path"] == CMD + "alias.md")
    assert entry["status"] == "fail"


# --- 3. git option injection -------------------------------------------------------------------


@pytest.mark.parametrize(
    "ref", ["--output=CLAUDE.md", "-p", "--output=/tmp/x", "HEAD --output=CLAUDE.md", "nosuchref"]
)
def test_3_changed_since_ref_is_never_an_option(repo: Path, ref: str) -> None:
    git_repo(repo)
    before = snapshot(repo)
    out = run(repo, "check", f"--changed-since={ref}")
    assert out.returncode == 2
    assert ref in out.stderr and "no such commit" in out.stderr
    assert one_error(out)
    assert snapshot(repo) == before


def test_3_outside_git_one_line_of_ours(repo: Path) -> None:
    out = run(repo, "check", "--changed-since", "HEAD", "--root", ".")
    assert out.returncode == 2
    assert "not inside a git repository" in out.stderr
    assert one_error(out)
    assert "hint" not in out.stderr.lower()


# --- 4. the --changed-since gate bypassed by quoted names ---------------------------------------


@pytest.mark.parametrize("name", ["déploy.md", "tab\there.md", "new\nline.md", 'quo"te.md'])
def test_4_changed_files_with_odd_names_are_checked(repo: Path, name: str) -> None:
    (repo / CMD / name).write_text("# Harmless\n\nReads files.\n", encoding="utf-8")
    git_repo(repo)
    (repo / CMD / name).write_text(DEPLOY, encoding="utf-8")  # edited: now it deploys
    out = run(repo, "check", "--changed-since", "HEAD", "--format", "json")
    assert out.returncode == 1, out.stderr
    files = json.loads(out.stdout)["files"]
    assert [f["status"] for f in files if f["kind"] == "command"] == ["fail"]
    # and a new, untracked one
    (repo / CMD / ("u-" + name)).write_text(DEPLOY, encoding="utf-8")
    out = run(repo, "check", "--changed-since", "HEAD", "--format", "json")
    assert len([f for f in json.loads(out.stdout)["files"] if f["kind"] == "command"]) == 2


def test_4_non_utf8_changed_name(repo: Path) -> None:
    if sys.platform == "darwin":
        pytest.skip("the file system refuses names that are not UTF-8")
    git_repo(repo)
    raw = os.fsencode(str(repo / CMD)) + b"/d\xffploy.md"
    with open(raw, "w", encoding="utf-8") as handle:
        handle.write(DEPLOY)
    out = run(repo, "check", "--changed-since", "HEAD", "--format", "json")
    assert out.returncode == 1
    (entry,) = [f for f in json.loads(out.stdout)["files"] if f["kind"] == "command"]
    assert entry["path"] == CMD + "d\\xffploy.md"


# --- 5. device nodes and FIFOs replaced --------------------------------------------------------


def _special(kind: str, path: Path) -> None:
    if kind == "fifo":
        os.mkfifo(path)
    else:
        if not IS_ROOT:
            pytest.skip("creating a device node needs root")
        os.mknod(path, stat.S_IFCHR | 0o666, os.makedev(1, 3))  # a second /dev/null


@pytest.mark.parametrize("kind", ["fifo", "chardev"])
@pytest.mark.parametrize(
    "option", [["--format", "sarif", "--output-file"], ["--write-baseline"]], ids=["out", "bl"]
)
def test_5_outputs_replace_only_regular_files(
    repo: Path, tmp_path: Path, kind: str, option: list[str]
) -> None:
    target = tmp_path / "special"
    _special(kind, target)
    mode = target.lstat().st_mode
    out = run(repo, "check", ".", *option, target, timeout=30)
    assert out.returncode == 2
    assert "only a regular file is replaced" in out.stderr
    assert target.lstat().st_mode == mode


def test_5_dev_null_as_root_is_not_replaced(repo: Path) -> None:
    if not IS_ROOT:
        pytest.skip("only root could replace /dev/null")
    out = run(repo, "check", ".", "--write-baseline", "/dev/null")
    assert out.returncode == 2
    assert stat.S_ISCHR(os.lstat("/dev/null").st_mode)


def test_5_outputs_refuse_symlinks_and_hard_links(repo: Path, tmp_path: Path) -> None:
    victim = tmp_path / "victim.txt"
    victim.write_text("keep\n")
    (tmp_path / "link.sarif").symlink_to(victim)
    os.link(victim, tmp_path / "hard.sarif")
    for name in ("link.sarif", "hard.sarif"):
        out = run(repo, "check", ".", "--format", "sarif", "--output-file", tmp_path / name)
        assert out.returncode == 2
    assert victim.read_text() == "keep\n"
    out = run(repo, "check", ".", "--format", "sarif", "--output-file", tmp_path / "new.sarif")
    assert out.returncode == 1 and json.loads((tmp_path / "new.sarif").read_text())["runs"]


# --- 6. hangs ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "rel", [CMD + "fifo.md", ".claude/agents/fifo.md", "CLAUDE.md"], ids=["cmd", "agent", "core"]
)
def test_6_fifo_as_linted_file_does_not_block(repo: Path, rel: str) -> None:
    if (repo / rel).exists():
        (repo / rel).unlink()
    os.mkfifo(repo / rel)
    for args in ((".",), (rel, "--root", ".")):
        out = run(repo, "check", *args, "--format", "json", timeout=30)
        entry = next(f for f in json.loads(out.stdout)["files"] if f["path"] == rel)
        assert entry["status"] == "error"
        assert "FIFO" in entry["violations"][0]["message"]


def test_6_fifo_in_rule_pack_and_configuration(repo: Path) -> None:
    (repo / "policy").mkdir()
    os.mkfifo(repo / "policy/team.yaml")
    (repo / ".safety-lint.yaml").write_text("rules: [policy]\n")
    out = run(repo, "check", ".", timeout=30)
    assert out.returncode == 2 and "FIFO" in out.stderr
    (repo / ".safety-lint.yaml").unlink()
    os.mkfifo(repo / ".safety-lint.yaml")
    out = run(repo, "check", ".", timeout=30)
    assert out.returncode == 2 and "FIFO" in out.stderr
    out = run(repo, "check", ".", "--baseline", repo / ".safety-lint.yaml", timeout=30)
    assert out.returncode == 2


TEAM_RULE = """rules:
  - code: TM001
    name: team-rule
    severity: error
    check: statement
    applies: [{{kind: command}}]
    options: {{patterns: ['{pattern}']}}
    doc: {{what: w, why: y, fix: f, example: e, failing: x}}
"""


@pytest.mark.parametrize("pattern", ["^(a+)+$", "(a|aa)+$", ".*a.*a.*a.*x", "(\\\\w+\\\\s?)+$"])
def test_6_catastrophic_team_pattern_cannot_hang(repo: Path, pattern: str) -> None:
    (repo / "policy").mkdir()
    (repo / "policy/team.yaml").write_text(TEAM_RULE.format(pattern=pattern), encoding="utf-8")
    (repo / ".safety-lint.yaml").write_text("rules: [policy]\n")
    for n in range(3):
        (repo / CMD / f"a{n}.md").write_text(
            "# A\n\n" + "a" * 41 + "!\n\n" + "a " * 3000 + "\n", encoding="utf-8"
        )
    t0 = time.monotonic()
    out = run(repo, "check", ".", "--format", "json", timeout=60)
    assert time.monotonic() - t0 < 30
    messages = [v["message"] for f in json.loads(out.stdout)["files"] for v in f["violations"]]
    if any("backtracks" in m for m in messages):
        assert any("team.yaml" in m for m in messages)


def test_6_jobs_capped_with_a_note(repo: Path) -> None:
    out = run(repo, "check", ".", "-j", "100000")
    assert out.returncode == 1
    assert "capped at" in out.stderr


FORBID_FORK = (
    "import os, sys\n"
    "def no(*a, **k): raise SystemExit('safety-lint forked a process')\n"
    "os.fork = no\n"
    "import multiprocessing.context as c\n"
    "c.ForkContext.Process = no\n"
    "from safety_lint.cli import main\n"
    "sys.argv = ['safety-lint', *sys.argv[1:]]\n"
    "main()\n"
)


def test_6_fix_with_one_job_does_not_fork(repo: Path) -> None:
    for n in range(60):  # more than the engine runs in one process by default
        (repo / CMD / f"d{n:02}.md").write_text(DEPLOY, encoding="utf-8")
    p = subprocess.run(
        [sys.executable, "-c", FORBID_FORK, "check", "--fix", "-j", "1", "."],
        cwd=repo,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert "forked" not in p.stderr, p.stderr
    assert "fixed" in p.stderr


# --- 7. memory and recursion -------------------------------------------------------------------


def alias_bomb() -> str:
    lines = ['x: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    prev = "a"
    for name in "bcdefghi":
        lines.append(f"{name}x: &{name} [" + ",".join([f"*{prev}"] * 9) + "]")
        prev = name
    return "\n".join(lines)


BAD_CONFIGS = {
    "alias-bomb": alias_bomb() + "\n",
    "huge-int": "max-file-size: " + "9" * 5000 + "\n",
    "big-int": "max-file-size: " + "9" * 4000 + "\n",
    "deep": "include: " + "[" * 5000 + "]" * 5000 + "\n",
    "deep-block": "include:\n" + "".join("  " * i + "- \n" for i in range(1, 300)),
}


@pytest.mark.parametrize("case", list(BAD_CONFIGS))
@pytest.mark.parametrize("command", ["check", "status", "config", "classify"])
def test_7_hostile_configuration_is_one_line(repo: Path, case: str, command: str) -> None:
    (repo / ".safety-lint.yaml").write_text(BAD_CONFIGS[case], encoding="utf-8")
    out = run(repo, command, ".", timeout=30)
    assert out.returncode == 2, (out.stdout[:300], out.stderr)
    assert one_error(out)
    assert ".safety-lint.yaml" in out.stderr


def test_7_alias_bomb_in_a_label_every_subcommand(repo: Path) -> None:
    text = "x-a: &a [" + ",".join(['"lol"'] * 9) + "]\n"
    prev = "a"
    for name in "bcdefghi":
        text += f"x-{name}: &{name} [" + ",".join([f"*{prev}"] * 9) + "]\n"
        prev = name
    text += "status:\n  phases:\n    - title: P\n      items:\n        - {label: *i, files: []}\n"
    (repo / ".safety-lint.yaml").write_text(text, encoding="utf-8")
    for args in (["check", "."], ["status", "."], ["config", "."], ["classify", "."], ["rules"]):
        out = run(repo, *args, timeout=30)
        assert out.returncode == 2, out.stderr
        assert "aliases" in out.stderr and one_error(out)


@pytest.mark.parametrize(
    "text",
    [
        '{"version": ' + "9" * 5000 + ', "violations": []}',
        "[" * 100_000 + "]" * 100_000,
        '{"version": 1, "violations": [{"path": 1, "rule": [], "fingerprint": {}}]}',
        '{"version": 1, "violations": "x"}',
    ],
    ids=["huge-int", "deep", "types", "not-a-list"],
)
def test_7_hostile_baseline_is_one_line(repo: Path, text: str) -> None:
    (repo / "b.json").write_text(text)
    out = run(repo, "check", ".", "--baseline", "b.json", timeout=30)
    assert out.returncode == 2
    assert one_error(out) and "b.json" in out.stderr


def _remove_deep(top: Path) -> None:
    """Bottom up, without recursion (shutil.rmtree recurses and fails at this depth)."""
    order, stack = [], [top]
    while stack:
        folder = stack.pop()
        order.append(folder)
        with os.scandir(folder) as entries:
            for e in entries:
                if e.is_dir(follow_symlinks=False):
                    stack.append(Path(e.path))
                else:
                    os.unlink(e.path)
    for folder in reversed(order):
        folder.rmdir()


def test_7_thousand_nested_folders() -> None:
    # Outside pytest's tmp_path: its clean-up of old runs uses shutil.rmtree.
    top = Path(tempfile.mkdtemp(prefix="sl-deep-"))
    try:
        repo = top / "repo"
        deep = repo / CMD
        deep.mkdir(parents=True)
        for _ in range(1000):  # one by one: pathlib's mkdir(parents=True) recurses too
            deep = deep / "d"
            deep.mkdir()
        (deep / "deep.md").write_text(DEPLOY, encoding="utf-8")
        out = run(repo, "check", ".", "--format", "json", timeout=60)
        paths = [f["path"] for f in json.loads(out.stdout)["files"]]
        assert any(p.endswith("/d/deep.md") for p in paths)
    finally:
        _remove_deep(top)


def test_7_deep_yaml_in_frontmatter_and_rule_pack(repo: Path) -> None:
    (repo / ".claude/agents/deep.md").write_text(
        "---\nname: deep\ntools: " + "[" * 50_000 + "]" * 50_000 + "\n---\n# Deep\n"
    )
    out = run(repo, "check", ".", "--format", "json", timeout=60)
    entry = next(f for f in json.loads(out.stdout)["files"] if f["path"].endswith("deep.md"))
    assert entry["status"] in ("fail", "error")
    (repo / "policy").mkdir()
    (repo / "policy/deep.yaml").write_text("rules: " + "[" * 50_000 + "]" * 50_000 + "\n")
    (repo / ".safety-lint.yaml").write_text("rules: [policy]\n")
    out = run(repo, "check", ".", timeout=60)
    assert out.returncode == 2 and "nested" in out.stderr


# --- 8. terminal and workflow-command injection ------------------------------------------------

FORGED = "::error file=CLAUDE.md,line=1::forged"


def _lines_starting_with_commands(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.lstrip().startswith("::")]


def test_8_frontmatter_key_and_file_name_cannot_forge_output(repo: Path) -> None:
    if sys.platform == "darwin":
        pytest.skip("names with newlines")
    key = f'"evil\\n{FORGED}\\u001b[2J"'
    (repo / ".claude/agents/a.md").write_text(
        f"---\nname: a\ntools: Read\n{key}: 1\n---\n# A\n\nReads.\n", encoding="utf-8"
    )
    (repo / CMD / f"x\n{FORGED}\x1b[31m.md").write_text(DEPLOY, encoding="utf-8")
    env = {"GITHUB_ACTIONS": ""}
    text = run(repo, "check", ".", "--format", "text", env=env)
    assert not _lines_starting_with_commands(text.stdout + text.stderr)
    assert "\x1b" not in text.stdout + text.stderr
    assert "\\x1b" in text.stdout and "\\n" in text.stdout
    github = run(repo, "check", ".", "--format", "github")
    commands = _lines_starting_with_commands(github.stdout)
    assert commands and all(c.startswith(("::error file=", "::warning file=")) for c in commands)
    data = json.loads(run(repo, "check", ".", "--format", "json").stdout)
    assert len(commands) == data["summary"]["violations"]  # one line each, none forged
    assert not any(c.startswith("::error file=CLAUDE.md,line=1::") for c in commands)
    assert "\x1b" not in github.stdout + github.stderr
    for args in (["classify", "--explain", "."], ["status", "."], ["check", "--diff", "."]):
        out = run(repo, *args)
        assert "\x1b" not in out.stdout + out.stderr
        assert not _lines_starting_with_commands(out.stdout + out.stderr)
    junit = run(repo, "check", ".", "--format", "junit")
    import xml.etree.ElementTree as ET

    ET.fromstring(junit.stdout.encode("utf-8"))  # valid XML whatever the names hold


def test_8_only_results_holding_controls_are_copied_for_output() -> None:
    """Escaping for output copies a result only when one of its strings needs it, so a large
    run does not hold every result twice (or four times) until the report is written."""
    from safety_lint import escape
    from safety_lint.model import FileResult, Violation

    def result(message: str) -> FileResult:
        v = Violation("PS001", "r", "error", 3, 1, message)
        return FileResult(
            "a.md", "command", "a", "read-only", "inferred", ["2: x"], "fail", [], [v]
        )

    clean = result("missing section")
    assert escape.result(clean, controls=True) is clean
    assert escape.result(clean, controls=False) is clean
    hostile = result("name `x\x1b[2J`")
    shown = escape.result(hostile, controls=True)
    assert shown is not hostile and shown.violations[0].message == "name `x\\x1b[2J`"
    assert hostile.violations[0].message == "name `x\x1b[2J`"  # the original is left alone
    assert escape.result(hostile, controls=False) is hostile  # JSON escapes controls itself


# --- 9. crashes on odd names and encodings -----------------------------------------------------


@pytest.fixture
def odd_name(repo: Path) -> Path:
    if sys.platform == "darwin":
        pytest.skip("the file system refuses names that are not UTF-8")
    raw = os.fsencode(str(repo / CMD)) + b"/d\xffploy.md"
    with open(raw, "w", encoding="utf-8") as handle:
        handle.write(DEPLOY)
    return repo


@pytest.mark.parametrize("fmt", ["text", "json", "github", "sarif", "junit"])
def test_9_non_utf8_file_name_every_format(odd_name: Path, fmt: str) -> None:
    out = run(odd_name, "check", ".", "--format", fmt)
    assert out.returncode == 1, out.stderr
    if fmt == "json":
        paths = [f["path"] for f in json.loads(out.stdout)["files"]]
        assert CMD + "d\\xffploy.md" in paths
    elif fmt == "sarif":
        uris = [
            r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
            for r in json.loads(out.stdout)["runs"][0]["results"]
        ]
        assert CMD + "d%5Cxffploy.md" in uris
    else:
        assert "d\\xffploy.md" in out.stdout


def test_9_non_utf8_name_status_and_baseline(odd_name: Path) -> None:
    out = run(odd_name, "status", "--write", ".")
    assert out.returncode == 0, out.stderr
    assert "d\\xffploy.md" in (odd_name / STATUS).read_text(encoding="utf-8")
    assert run(odd_name, "status", "--check", ".").returncode == 0
    out = run(odd_name, "check", ".", "--write-baseline", "b.json")
    assert out.returncode == 0, out.stderr
    data = json.loads((odd_name / "b.json").read_text(encoding="utf-8"))
    assert CMD + "d\\xffploy.md" in [v["path"] for v in data["violations"]]
    assert run(odd_name, "check", ".", "--baseline", "b.json").returncode == 0


@pytest.mark.parametrize("encoding", ["latin-1", "cp1252", "ascii"])
def test_9_stdout_that_is_not_utf8(repo: Path, encoding: str) -> None:
    (repo / CMD / "déploy-⚠️.md").write_text(DEPLOY, encoding="utf-8")
    for args in (
        ["check", "."],
        ["classify", "."],
        ["status", "."],
        ["rules"],
        ["explain", "PS101"],
        ["config", "."],
    ):
        out = run(repo, *args, env={"PYTHONIOENCODING": encoding})
        assert out.returncode in (0, 1), (args, out.stderr)


def test_9_long_name_can_be_fixed(repo: Path) -> None:
    name = "d" * 250 + ".md"  # 253 bytes: the name limit leaves no room for a long temp name
    (repo / CMD / name).write_text(DEPLOY, encoding="utf-8")
    out = run(repo, "check", "--fix", ".")
    assert "fixed" in out.stderr and "not fixed" not in out.stderr
    assert "PRODUCTION SAFETY" in (repo / CMD / name).read_text(encoding="utf-8")


# --- 10. writes that are less safe than promised -----------------------------------------------


@pytest.mark.parametrize("where", ["/tmp/sl-outside-status.md", "../outside.md", "x/../../o.md"])
def test_10_status_path_confined_to_the_root(repo: Path, where: str) -> None:
    target = (repo / where).resolve() if not where.startswith("/") else Path(where)
    if target.exists():
        target.unlink()
    out = run(repo, "status", "--write", "--path", where, ".")
    assert out.returncode == 2 and "inside the root" in out.stderr
    assert not target.exists()


def test_10_status_does_not_create_folders_outside(repo: Path, tmp_path: Path) -> None:
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    (repo / "docs").symlink_to(outside, target_is_directory=True)
    out = run(repo, "status", "--write", ".")
    assert out.returncode == 2
    assert list(outside.iterdir()) == []


WRAP = (
    "import sys, os\n"
    "import safety_lint.engine as e\n"
    "real = e.fix\n"
    "def fix(*a, **k):\n"
    "    out = real(*a, **k)\n"
    "    {action}\n"
    "    return out\n"
    "e.fix = fix\n"
    "from safety_lint.cli import main\n"
    "sys.argv = ['safety-lint', *sys.argv[1:]]\n"
    "main()\n"
)


@pytest.mark.parametrize(
    "action, message",
    [
        ("os.unlink('.claude/commands/project/b.md')", "deleted since it was checked"),
        ("open('.claude/commands/project/b.md', 'a').write('edited\\n')", "changed while fixing"),
    ],
    ids=["deleted", "changed"],
)
def test_10_file_gone_or_changed_before_writing(repo: Path, action: str, message: str) -> None:
    for name in ("a.md", "b.md", "c.md"):
        (repo / CMD / name).write_text(DEPLOY, encoding="utf-8")
    p = subprocess.run(
        [sys.executable, "-c", WRAP.format(action=action), "check", "--fix", "-j", "1", "."],
        cwd=repo,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert "Traceback" not in p.stderr and message in p.stderr, p.stderr
    for name in ("a.md", "c.md", "deploy.md"):
        assert "PRODUCTION SAFETY" in (repo / CMD / name).read_text(encoding="utf-8")
    assert "in 3 files" in p.stderr  # b.md is not counted


def test_10_hard_linked_file_is_refused_and_not_counted(repo: Path, tmp_path: Path) -> None:
    (repo / CMD / "a.md").write_text(DEPLOY, encoding="utf-8")
    os.link(repo / CMD / "a.md", tmp_path / "other-name.md")
    out = run(repo, "check", "--fix", ".")
    assert "hard links" in out.stderr
    assert "in 1 file;" in out.stderr  # deploy.md only
    assert (repo / CMD / "a.md").read_text(encoding="utf-8") == DEPLOY
    assert os.stat(repo / CMD / "a.md").st_nlink == 2


def test_10_root_fix_keeps_the_owner(repo: Path) -> None:
    if not IS_ROOT:
        pytest.skip("only root can rewrite a file another user owns")
    path = repo / CMD / "deploy.md"
    os.chown(path, 12345, 23456)
    os.chmod(path, 0o640)
    out = run(repo, "check", "--fix", ".")
    assert "fixed" in out.stderr
    st = os.stat(path)
    assert (st.st_uid, st.st_gid, stat.S_IMODE(st.st_mode)) == (12345, 23456, 0o640)
    assert "PRODUCTION SAFETY" in path.read_text(encoding="utf-8")


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_10_signals_leave_no_temp_files(repo: Path, sig: signal.Signals) -> None:
    for n in range(150):
        (repo / CMD / f"d{n:03}.md").write_text(DEPLOY, encoding="utf-8")
    for delay in (0.8, 1.2, 1.6, 2.0):
        proc = subprocess.Popen(
            [sys.executable, "-m", "safety_lint", "check", "--fix", "-j", "1", "."],
            cwd=repo,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        time.sleep(delay)
        proc.send_signal(sig)
        proc.wait(timeout=60)
        leftovers = [p for p in (repo / CMD).iterdir() if p.name.endswith(".tmp")]
        assert leftovers == []
        for p in (repo / CMD).glob("*.md"):  # every file is the old or the new one, never half
            text = p.read_text(encoding="utf-8")
            assert text == DEPLOY or "PRODUCTION SAFETY" in text


NEW = [sys.executable, "-m", "safety_lint", "new", "command"]


def test_10_concurrent_new_never_both_write(repo: Path) -> None:
    for n in range(5):
        procs = [
            subprocess.Popen(
                [*NEW, f"job-{n}", "--class", "batch", "--root", "."],
                cwd=repo,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
                text=True,
            )
            for _ in range(2)
        ]
        codes = sorted(p.wait(timeout=60) for p in procs)
        assert codes == [0, 2]
    path = repo / ".claude/commands/job-0.md"
    before = path.read_bytes()
    out = run(repo, "new", "command", "job-0", "--class", "batch", "--root", ".")
    assert out.returncode == 2 and "not overwritten" in out.stderr
    assert path.read_bytes() == before


def test_10_new_refuses_a_dangling_symlink(repo: Path, tmp_path: Path) -> None:
    (repo / ".claude/commands/evil.md").symlink_to(tmp_path / "created-outside.md")
    out = run(repo, "new", "command", "evil", "--class", "batch", "--root", ".")
    assert out.returncode == 2
    assert not (tmp_path / "created-outside.md").exists()


# --- the bundled pack's own patterns ---------------------------------------------------------

PATTERN_PROBE = r"""
import dataclasses, re, sys, time
from collections.abc import Mapping
from safety_lint.classify import settings
from safety_lint.record import fields as record_fields
from safety_lint.rulepack import default_pack

pack = default_pack()
found, seen = [], set()

def walk(x, depth=0):
    if depth > 8 or id(x) in seen:
        return
    seen.add(id(x))
    if isinstance(x, re.Pattern):
        found.append(x)
    elif isinstance(x, str):
        return
    elif dataclasses.is_dataclass(x) or record_fields(x):
        for name in record_fields(x) or [f.name for f in dataclasses.fields(x)]:
            walk(getattr(x, name), depth + 1)
    elif isinstance(x, Mapping):
        for k, v in x.items():
            if k in ("patterns", "not-steps-in", "pattern") and isinstance(v, (str, list)):
                for p in [v] if isinstance(v, str) else v:
                    if isinstance(p, str):
                        found.append(re.compile(p, re.I))
            walk(v, depth + 1)
    elif isinstance(x, (list, tuple)):
        for v in x:
            walk(v, depth + 1)

walk(pack.rules)
walk(settings(pack))
found += [k.pattern for k in settings(pack).evidence]  # compiled when first used
texts = [c * 20_000 for c in "a -`*.\n_(["] + [w * 2_000 for w in
         ("production ", "deploy to ", "- [ ] ", "never run ", "`kubectl apply` ", "**a** ",
          " \n", "\t\n", "A=b ", "--x ", "$ sudo ", "aws s3 ", "a.b.c ", "x: ")]
worst = (0.0, "")
for p in found:
    for t in texts:
        t0 = time.perf_counter()
        p.search(t)
        dt = time.perf_counter() - t0
        worst = max(worst, (dt, p.pattern[:60]))
print(len(found), f"{worst[0]:.3f}", worst[1])
"""


def test_bundled_patterns_are_linear_on_hostile_text() -> None:
    p = subprocess.run(
        [sys.executable, "-c", PATTERN_PROBE],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert p.returncode == 0, p.stderr
    count, worst, pattern = p.stdout.split(" ", 2)
    # The walk found the pack's patterns. The statement concepts are not among them: they only
    # ever see one sentence or list item, capped at 600 characters (see units.py).
    assert int(count) > 40
    assert float(worst) < 2.0, f"{pattern} took {worst} s on 20,000 characters"


@pytest.mark.parametrize("filler", ["\n", " \n", "\t\n", "-" * 50 + "\n"])
def test_6_code_block_of_blank_lines_does_not_hang(repo: Path, filler: str) -> None:
    # `^\s*` in a MULTILINE evidence pattern once ran across every following blank line from
    # each line start: 20,000 blank lines in a code block took minutes.
    (repo / CMD / "blank.md").write_text(
        "# Blank\n\n```bash\n" + filler * 20_000 + "echo done\n```\n", encoding="utf-8"
    )
    out = run(repo, "check", ".", "--format", "json", timeout=60)
    assert any(f["path"] == CMD + "blank.md" for f in json.loads(out.stdout)["files"])
