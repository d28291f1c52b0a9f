"""git, called safely: argument lists (no shell), the user's ref checked to be a commit before
use (`--end-of-options`, so `--output=x` is a ref name, never an option), NUL-separated
output (names with tabs, newlines or bytes that are not UTF-8 come through as they are)."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from .escape import printable


class GitError(Exception):
    """git could not answer (not a repository, unknown ref): a usage error."""


def _git(args: list[str], cwd: Path) -> subprocess.CompletedProcess[bytes]:
    try:
        return subprocess.run(
            ["git", *args],
            cwd=cwd,
            capture_output=True,
            check=False,
            timeout=60,
            stdin=subprocess.DEVNULL,
        )
    except (OSError, subprocess.SubprocessError) as err:
        raise GitError(f"git failed: {err}") from None


def toplevel(start: Path) -> Path | None:
    out = _git(["rev-parse", "--show-toplevel"], start)
    name = os.fsdecode(out.stdout.rstrip(b"\n"))
    return Path(name) if out.returncode == 0 and name else None


def _first_line(out: subprocess.CompletedProcess[bytes]) -> str:
    text = out.stderr.decode("utf-8", "replace").strip().splitlines()
    return printable(text[0] if text else "failed")


def changed_files(root: Path, ref: str) -> list[Path]:
    """Files changed since `ref` (committed, staged or not) and new untracked files."""
    shown = printable(ref)
    where = _git(["rev-parse", "--show-toplevel"], root)
    if where.returncode != 0 or not where.stdout.strip():
        # Outside a repository git's own message comes with advice: one line of ours instead.
        raise GitError(
            f"--changed-since {shown}: {printable(str(root))} is not inside a git repository"
        )
    top = Path(os.fsdecode(where.stdout.rstrip(b"\n")))
    verify = _git(
        ["rev-parse", "--verify", "--quiet", "--end-of-options", f"{ref}^{{commit}}"], root
    )
    commit = verify.stdout.decode("ascii", "replace").strip()
    if verify.returncode != 0 or not commit:
        raise GitError(f"--changed-since {shown}: no such commit, branch or tag in this repository")
    commands = (
        ["diff", "--name-only", "-z", "--diff-filter=d", "--no-renames", commit, "--"],
        ["ls-files", "-z", "--others", "--exclude-standard"],
    )
    names: set[str] = set()
    for command in commands:
        out = _git(command, root)
        if out.returncode != 0:
            raise GitError(f"--changed-since {shown}: git says: {_first_line(out)}")
        names.update(os.fsdecode(n) for n in out.stdout.split(b"\0") if n)
    return sorted(p for name in names if os.path.lexists(p := top / name) and not p.is_dir())
