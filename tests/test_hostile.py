"""Hostile input through the real command line.

Every case builds a temporary repository, runs `python -m safety_lint check ... --format json`
in a subprocess (60 s timeout, so a hang fails instead of blocking) twice — once on the whole
repository and once on the file as pre-commit passes it — and asserts that:

* the exit code is 0 or 1 (never 2) and there is no traceback on stderr;
* the hostile file gets a status (`pass`, `fail` or `error`) in the JSON output;
* no file in the temporary repository changed (content, mode, links), and none appeared.

Some cases check more (no code executed, a bound on time or output, a promised status).
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import stat
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest

TIMEOUT = 60.0
STATUSES = {"pass", "fail", "error"}


# --------------------------------------------------------------------------- helpers


@dataclass
class Outcome:
    rc: int
    stdout: str
    stderr: str
    seconds: float
    data: dict = field(default_factory=dict)

    def file(self, rel: str) -> dict | None:
        return next((f for f in self.data.get("files", []) if f["path"] == rel), None)


def run_check(root: Path, *paths: str, timeout: float = TIMEOUT) -> Outcome:
    cmd = [sys.executable, "-m", "safety_lint", "check", "--format", "json"]
    cmd += list(paths) if paths else [str(root)]
    if paths:
        cmd += ["--root", str(root)]
    t0 = time.perf_counter()
    try:
        p = subprocess.run(
            cmd,
            cwd=root,
            capture_output=True,
            timeout=timeout,
            check=False,
            env={**os.environ, "NO_COLOR": "1"},
            stdin=subprocess.DEVNULL,
        )
    except subprocess.TimeoutExpired:
        pytest.fail(f"safety-lint did not finish within {timeout:.0f} s: {cmd}")
    seconds = time.perf_counter() - t0
    out = Outcome(
        p.returncode,
        p.stdout.decode("utf-8", "replace"),
        p.stderr.decode("utf-8", "replace"),
        seconds,
    )
    assert out.rc in (0, 1), f"exit {out.rc}\nstderr:\n{out.stderr[-3000:]}"
    assert "Traceback" not in out.stderr, out.stderr[-3000:]
    try:
        out.data = json.loads(out.stdout)
    except json.JSONDecodeError as exc:
        pytest.fail(f"--format json printed no JSON ({exc}): {out.stdout[:500]!r}")
    return out


def snapshot(root: Path) -> dict[str, tuple]:
    """Every entry under root, symlinks not followed: kind, mode, and content or link target."""
    snap: dict[str, tuple] = {}
    for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
        for name in dirnames + filenames:
            path = Path(dirpath) / name
            st = path.lstat()
            rel = str(path.relative_to(root))
            if stat.S_ISLNK(st.st_mode):
                snap[rel] = ("link", os.readlink(path))
            elif stat.S_ISDIR(st.st_mode):
                snap[rel] = ("dir", stat.S_IMODE(st.st_mode))
            else:
                try:
                    digest = hashlib.sha256(path.read_bytes()).hexdigest()
                except OSError:
                    digest = "unreadable"
                snap[rel] = ("file", stat.S_IMODE(st.st_mode), st.st_size, st.st_mtime_ns, digest)
    return snap


def make_repo(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    (root / ".claude" / "commands").mkdir(parents=True)
    (root / ".claude" / "agents").mkdir(parents=True)
    return root


def write(root: Path, rel: str, content: str | bytes) -> str:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, str):
        path.write_text(content, encoding="utf-8", newline="")
    else:
        path.write_bytes(content)
    return rel


OK_BODY = "# Title\n\nA harmless command that only reads files.\n"
AGENT = ".claude/agents/x.md"
COMMAND = ".claude/commands/x.md"


def frontmatter(fm: str, body: str = OK_BODY) -> str:
    return f"---\n{fm}---\n\n{body}"


# --------------------------------------------------------------------------- cases
#
# A case writes into the repository and returns (paths that must get a status, paths to pass
# in the pre-commit style run, or None when that run makes no sense for the case).

Case = Callable[[Path, Path], tuple[list[str], list[str] | None]]


def one_file(rel: str, content: str | bytes) -> Case:
    def build(root: Path, tmp: Path) -> tuple[list[str], list[str] | None]:
        write(root, rel, content)
        return [rel], [rel]

    return build


def alias_bomb() -> str:
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    prev = "a"
    for name in "bcdefghi":
        lines.append(f"{name}: &{name} [" + ",".join([f"*{prev}"] * 9) + "]")
        prev = name
    return "\n".join(lines) + "\n"


def binary() -> bytes:
    rng = random.Random(7)
    return b"\x89PNG\r\n\x1a\n" + bytes(rng.randrange(256) for _ in range(4096))


def dangling_symlink(root: Path, tmp: Path) -> tuple[list[str], list[str] | None]:
    (root / ".claude/commands/dangling.md").symlink_to(root / "nowhere" / "missing.md")
    return [".claude/commands/dangling.md"], [".claude/commands/dangling.md"]


def file_symlink_loop(root: Path, tmp: Path) -> tuple[list[str], list[str] | None]:
    (root / ".claude/commands/loop-a.md").symlink_to("loop-b.md")
    (root / ".claude/commands/loop-b.md").symlink_to("loop-a.md")
    write(root, ".claude/commands/real.md", OK_BODY)
    return [".claude/commands/loop-a.md", ".claude/commands/real.md"], [
        ".claude/commands/loop-a.md",
        ".claude/commands/real.md",
    ]


def dir_symlink_loop(root: Path, tmp: Path) -> tuple[list[str], list[str] | None]:
    write(root, ".claude/commands/sub/real.md", OK_BODY)
    (root / ".claude/commands/sub/again").symlink_to("..")  # sub/again -> commands
    (root / ".claude/commands/self").symlink_to(".")
    return [".claude/commands/sub/real.md"], None


def directory_named_md(root: Path, tmp: Path) -> tuple[list[str], list[str] | None]:
    (root / COMMAND).mkdir()
    write(root, ".claude/commands/real.md", OK_BODY)
    return [".claude/commands/real.md"], None


def unreadable(root: Path, tmp: Path) -> tuple[list[str], list[str] | None]:
    write(root, COMMAND, OK_BODY)
    (root / COMMAND).chmod(0)
    return [COMMAND], [COMMAND]


def unsafe_apply(root: Path, tmp: Path) -> tuple[list[str], list[str] | None]:
    marker = tmp / "pwned-apply"
    write(
        root,
        AGENT,
        frontmatter(
            "name: x\n"
            'description: !!python/object/apply:os.system ["touch ' + str(marker) + '"]\n'
            "tools: Read\n"
        ),
    )
    return [AGENT], [AGENT]


def unsafe_name(root: Path, tmp: Path) -> tuple[list[str], list[str] | None]:
    write(root, AGENT, frontmatter("name: x\ndescription: !!python/name:os.system\ntools: Read\n"))
    return [AGENT], [AGENT]


def unsafe_new(root: Path, tmp: Path) -> tuple[list[str], list[str] | None]:
    marker = tmp / "pwned-new"
    write(
        root,
        COMMAND,
        frontmatter(
            'description: !!python/object/new:subprocess.check_call [["touch", "'
            + str(marker)
            + '"]]\n'
        ),
    )
    return [COMMAND], [COMMAND]


CASES: dict[str, Case] = {
    "yaml-unsafe-apply": unsafe_apply,
    "yaml-unsafe-name": unsafe_name,
    "yaml-unsafe-new": unsafe_new,
    "yaml-alias-bomb": one_file(AGENT, frontmatter(alias_bomb() + "name: x\ntools: Read\n")),
    "frontmatter-list": one_file(COMMAND, frontmatter("- a\n- b\n")),
    "frontmatter-scalar": one_file(COMMAND, frontmatter("just a string\n")),
    "frontmatter-unclosed": one_file(AGENT, "---\nname: x\ntools: Read\n\n# Title\n\nBody.\n"),
    "frontmatter-tools-42": one_file(AGENT, frontmatter("name: x\ntools: 42\n")),
    "frontmatter-name-12": one_file(AGENT, frontmatter("name: 12\ntools: Read\n")),
    "empty-file": one_file(COMMAND, ""),
    "binary-file": one_file(COMMAND, binary()),
    "nul-bytes": one_file(AGENT, "---\nname: a\x00b\ntools: Read\n---\n\n# T\x00itle\n\x00\x00\n"),
    "utf16-bom": one_file(AGENT, frontmatter("name: x\ntools: Read\n").encode("utf-16")),
    "invalid-utf8": one_file(COMMAND, b"# Title\n\nbad \xff\xfe\xc3\x28 bytes\n"),
    "single-line-5mb": one_file(COMMAND, "x" * (5 * 1024 * 1024)),
    "fences-20000": one_file(COMMAND, "```\ncode\n```\n" * 20_000),
    "nested-list-1500": one_file(COMMAND, "- " * 1500 + "x\n"),
    "nested-list-indented-300": one_file(
        COMMAND, "".join("  " * i + "- item\n" for i in range(300))
    ),
    "blockquotes-5000": one_file(COMMAND, "> " * 5000 + "x\n"),
    "emphasis-bomb": one_file(COMMAND, "*a **a " * 20_000 + "\n"),
    "emphasis-bomb-lines": one_file(COMMAND, ("*a **a " * 50 + "\n") * 2000),
    "links-bomb": one_file(COMMAND, "[a](" * 20_000 + "\n"),
    "brackets-bomb": one_file(COMMAND, "[" * 100_000 + "\n"),
    "html-tag-bomb": one_file(COMMAND, "<a " * 100_000 + "\n"),
    "dangling-symlink": dangling_symlink,
    "symlink-loop-file": file_symlink_loop,
    "symlink-loop-dir": dir_symlink_loop,
    "directory-named-x.md": directory_named_md,
    "unreadable-chmod-000": unreadable,
    "over-1mib": one_file(COMMAND, ("A line of ordinary prose, nothing else.\n" * 30_000)),
}

# Timings of every run, printed by `pytest -s` at the end of the module (also in --durations).
TIMINGS: dict[str, float] = {}


@pytest.fixture(scope="module", autouse=True)
def _report_timings():
    yield
    if TIMINGS:
        print("\nhostile-input timings (s):")
        for name, seconds in sorted(TIMINGS.items(), key=lambda kv: -kv[1]):
            print(f"  {seconds:7.2f}  {name}{'  SLOW' if seconds > 1 else ''}")


# Regular-expression bombs: unclosed links, brackets and tags once made text.normalize backtrack
# for minutes (cubic on `[a](` repeated, quadratic on `[` and `<a `), fixed in 2ebbc7c.
# Markdown-it parses each in < 1 s, so they get a 10 s budget rather than 60 s.
REGEX_BOMBS = {"links-bomb", "brackets-bomb", "html-tag-bomb"}
REGEX_BOMB_TIMEOUT = 10.0


@pytest.mark.parametrize("mode", ["repo", "files"])
@pytest.mark.parametrize("case", list(CASES))
def test_hostile_input(case: str, mode: str, tmp_path: Path) -> None:
    if case == "unreadable-chmod-000" and os.geteuid() == 0:
        pytest.skip("running as root: chmod 000 does not make a file unreadable")
    root = make_repo(tmp_path)
    targets, passed = CASES[case](root, tmp_path)
    if mode == "files" and passed is None:
        pytest.skip("pre-commit never passes this case's paths")
    before = snapshot(root)
    timeout = REGEX_BOMB_TIMEOUT if case in REGEX_BOMBS else TIMEOUT
    if mode == "files":
        out = run_check(root, *passed, timeout=timeout)
    else:
        out = run_check(root, timeout=timeout)
    TIMINGS[f"{case} [{mode}]"] = out.seconds

    for rel in targets:
        entry = out.file(rel)
        assert entry is not None, (
            f"{rel} got no status; files: {[f['path'] for f in out.data.get('files', [])]}"
        )
        assert entry["status"] in STATUSES, entry
    assert snapshot(root) == before, "the repository changed"

    # no entry is listed twice (symlink loops, followed folders)
    paths = [f["path"] for f in out.data["files"]]
    assert len(paths) == len(set(paths)), paths
    CHECKS.get(case, lambda *_: None)(out, root, tmp_path, targets)


# --------------------------------------------------------------------------- case-specific checks


def violations(out: Outcome, rel: str) -> list[dict]:
    entry = out.file(rel)
    return entry["violations"] if entry else []


def _no_execution(marker: str) -> Callable[..., None]:
    def check(out: Outcome, root: Path, tmp: Path, targets: list[str]) -> None:
        assert not (tmp / marker).exists(), "a YAML tag executed code"
        _clear_yaml_diagnostic(out, root, tmp, targets)

    return check


def _clear_yaml_diagnostic(out: Outcome, root: Path, tmp: Path, targets: list[str]) -> None:
    found = [v for v in violations(out, targets[0]) if v["rule"] in ("PS002", "PS003")]
    assert found, f"no frontmatter diagnostic: {violations(out, targets[0])}"
    text = " ".join(v["message"] for v in found).lower()
    assert "python" in text or "tag" in text, f"diagnostic does not name the tag: {found}"
    assert all(v.get("line") for v in found), found


def _alias_bomb(out: Outcome, root: Path, tmp: Path, targets: list[str]) -> None:
    assert out.seconds < 5, f"alias bomb took {out.seconds:.1f} s"
    assert len(out.stdout) < 64 * 1024, f"JSON output is {len(out.stdout):,} characters"


def _status(expected: set[str]) -> Callable[..., None]:
    def check(out: Outcome, root: Path, tmp: Path, targets: list[str]) -> None:
        entry = out.file(targets[0])
        assert entry["status"] in expected, entry

    return check


def _too_large(out: Outcome, root: Path, tmp: Path, targets: list[str]) -> None:
    entry = out.file(targets[0])
    assert entry["status"] == "error", entry
    text = " ".join(v["message"] for v in entry["violations"]).lower()
    assert any(w in text for w in ("too large", "size", "mib", "bytes")), entry["violations"]


def _binary(out: Outcome, root: Path, tmp: Path, targets: list[str]) -> None:
    entry = out.file(targets[0])
    assert entry["status"] == "error", entry
    assert len(entry["violations"]) == 1, entry["violations"]


CHECKS: dict[str, Callable[..., None]] = {
    "yaml-unsafe-apply": _no_execution("pwned-apply"),
    "yaml-unsafe-name": _clear_yaml_diagnostic,
    "yaml-unsafe-new": _no_execution("pwned-new"),
    "yaml-alias-bomb": _alias_bomb,
    "utf16-bom": _status({"pass", "fail"}),  # README: UTF-16 with a BOM is read
    "invalid-utf8": _status({"error"}),  # README: a file that is not UTF-8 is in error
    "binary-file": _binary,
    "single-line-5mb": _too_large,
    "over-1mib": _too_large,
    "dangling-symlink": _status({"error"}),
    "symlink-loop-file": _status({"error"}),
}


# --------------------------------------------------------------------------- the parser itself
#
# The 1 MiB limit stops the 5 MB line before the parser sees it; with the limit raised, the
# Markdown parser and the checks must still finish on it.


@pytest.mark.parametrize(
    "case, content",
    [
        ("single-line-5mb-raised-limit", "x" * (5 * 1024 * 1024)),
        ("emphasis-bomb-5mb-raised-limit", "*a **a " * 750_000),
    ],
)
def test_huge_input_with_raised_limit(case: str, content: str, tmp_path: Path) -> None:
    root = make_repo(tmp_path)
    write(root, ".safety-lint.yaml", "max-file-size: 16777216\n")
    write(root, COMMAND, content)
    before = snapshot(root)
    out = run_check(root)
    TIMINGS[f"{case} [repo]"] = out.seconds
    entry = out.file(COMMAND)
    assert entry is not None and entry["status"] in STATUSES, out.data
    assert snapshot(root) == before
