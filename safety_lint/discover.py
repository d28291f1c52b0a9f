"""Find the files to lint: commands, agents and the core documents of a repository."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from fnmatch import fnmatchcase
from pathlib import Path, PurePosixPath

from .model import Kind, Target

COMMANDS_DIR = ".claude/commands"
AGENTS_DIR = ".claude/agents"
# Spec section 1: these are never commands or agents.
NOT_LINTED_NAMES = {"readme.md"}
NOT_LINTED_FOLDERS = {"_templates", "examples"}


@dataclass
class Selection:
    """What one run lints."""

    root: Path
    targets: list[Target]
    skipped: list[str] = field(default_factory=list)  # explicit paths that are not ours
    problems: list[tuple[str, str]] = field(default_factory=list)  # (path, message)


def git_toplevel(start: Path) -> Path | None:
    try:
        out = subprocess.run(
            ["git", "rev-parse", "--show-toplevel"],
            cwd=start,
            capture_output=True,
            text=True,
            check=False,
            timeout=10,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    if out.returncode != 0 or not out.stdout.strip():
        return None
    return Path(out.stdout.strip())


class GitError(Exception):
    """git could not answer (not a repository, unknown ref): a usage error."""


def changed_files(root: Path, ref: str) -> list[Path]:
    """Files changed since `ref` (committed, staged or not) and new untracked files."""
    # Outside a repository `git diff` compares paths instead, and its advice would leak through.
    if git_toplevel(root) is None:
        raise GitError(f"--changed-since {ref}: {root} is not inside a git repository")
    try:
        known = subprocess.run(
            ["git", "rev-parse", "--verify", "--quiet", "--end-of-options", f"{ref}^{{commit}}"],
            cwd=root,
            capture_output=True,
            check=False,
            timeout=10,
        )
    except (OSError, subprocess.SubprocessError) as err:
        raise GitError(f"git failed: {err}") from None
    if known.returncode != 0:
        raise GitError(f"--changed-since {ref}: no such commit, branch or tag in this repository")
    commands = (
        ["git", "diff", "--name-only", "--diff-filter=d", "--no-renames", ref, "--"],
        ["git", "ls-files", "--others", "--exclude-standard"],
    )
    names: set[str] = set()
    for command in commands:
        try:
            out = subprocess.run(
                command, cwd=root, capture_output=True, text=True, check=False, timeout=60
            )
        except (OSError, subprocess.SubprocessError) as err:
            raise GitError(f"git failed: {err}") from None
        if out.returncode != 0:
            first = (out.stderr.strip().splitlines() or ["failed"])[0]
            raise GitError(f"--changed-since {ref}: git says: {first}")
        names.update(line for line in out.stdout.splitlines() if line)
    top = git_toplevel(root) or root
    return sorted(p for name in names if (p := top / name).is_file())


def _work_tree_top(start: Path) -> Path | None:
    """The nearest folder with a `.git` entry (a folder, or a file in worktrees and
    submodules): git's top level, found without starting git."""
    start = start.absolute()
    for folder in (start, *start.parents):
        if (folder / ".git").exists():
            return folder
    return None


def default_root(cwd: Path) -> Path:
    """With no path: the git top level of the current folder, else the current folder."""
    return _work_tree_top(cwd) or cwd


def root_for_files(paths: Sequence[Path], cwd: Path) -> Path:
    """With files (as pre-commit passes them): the nearest folder above the first file that
    holds `.claude/` or `CLAUDE.md`, not above the git top level; else the default root."""
    top = default_root(cwd).absolute()
    start = paths[0].absolute().parent
    for folder in (start, *start.parents):
        if (folder / ".claude").is_dir() or (folder / "CLAUDE.md").is_file():
            return folder
        if folder == top:
            break
    return top


def kind_of(rel: str, core_documents: Sequence[str]) -> Kind | None:
    """The policy's kind of a root-relative path, or None when the file is not linted."""
    if rel in core_documents:
        return "document"
    parts = PurePosixPath(rel).parts
    if len(parts) < 3 or parts[0] != ".claude" or not rel.endswith(".md"):
        return None
    if parts[-1].lower() in NOT_LINTED_NAMES or NOT_LINTED_FOLDERS & set(parts[2:-1]):
        return None
    if parts[1] == "commands":
        return "command"
    if parts[1] == "agents":
        return "agent"
    return None


def matches_any(rel: str, patterns: Sequence[str]) -> bool:
    """A glob match, or `rel` lies below a folder pattern."""
    return any(fnmatchcase(rel, p) or rel.startswith(p.rstrip("/") + "/") for p in patterns)


def _walk_markdown(top: Path, root_real: Path, problems: list[tuple[str, str]]) -> Iterator[Path]:
    """Yield *.md files below `top`, following symlinked folders only inside the root, once."""
    seen: set[str] = set()

    def onerror(err: OSError) -> None:
        problems.append((str(err.filename), f"cannot read folder: {err.strerror}"))

    for dirpath, dirnames, filenames in os.walk(top, followlinks=True, onerror=onerror):
        real = os.path.realpath(dirpath)
        inside = real == str(root_real) or real.startswith(str(root_real) + os.sep)
        if real in seen or not inside:
            if not inside:
                problems.append((dirpath, "symlinked folder points outside the root; not followed"))
            dirnames[:] = []
            continue
        seen.add(real)
        dirnames.sort()
        for name in sorted(filenames):
            if not name.endswith(".md"):
                continue
            path = Path(dirpath) / name
            if path.is_symlink():
                target = os.path.realpath(path)
                if not target.startswith(str(root_real) + os.sep):
                    problems.append((str(path), "symlink points outside the root; not read"))
                    continue
            yield path
        # A folder named x.md is a folder: os.walk lists it in dirnames, never in filenames.


def relative(path: Path, root: Path) -> str:
    try:
        return path.absolute().relative_to(root.absolute()).as_posix()
    except ValueError:
        return path.as_posix()


def discover_repository(
    root: Path,
    core_documents: Sequence[str],
    exclude: Sequence[str] = (),
    include: Sequence[str] = (),
) -> Selection:
    """Every command, agent and core document under `root`."""
    problems: list[tuple[str, str]] = []
    found: dict[str, Target] = {}
    root_real = Path(os.path.realpath(root))
    for sub in (COMMANDS_DIR, AGENTS_DIR):
        top = root / sub
        if not top.is_dir():
            continue
        for path in _walk_markdown(top, root_real, problems):
            rel = relative(path, root)
            kind = kind_of(rel, core_documents)
            if (
                kind
                and not matches_any(rel, exclude)
                and (not include or matches_any(rel, include))
            ):
                found[rel] = Target(path=path, rel=rel, kind=kind)
    for rel in core_documents:
        if not matches_any(rel, exclude) and (not include or matches_any(rel, include)):
            # Listed even when missing: the check reports a missing core document.
            found[rel] = Target(path=root / rel, rel=rel, kind="document")
    targets = [found[k] for k in sorted(found)]
    problems = [(relative(Path(p), root), m) for p, m in problems]
    return Selection(root=root, targets=targets, problems=problems)


def select_paths(
    root: Path, paths: Iterable[Path], core_documents: Sequence[str], exclude: Sequence[str] = ()
) -> Selection:
    """Exactly the given files (the way pre-commit passes them); folders are searched below."""
    selection = Selection(root=root, targets=[])
    found: dict[str, Target] = {}
    root_real = Path(os.path.realpath(root))
    for given in paths:
        if given.is_dir():
            candidates: Iterable[Path] = _walk_markdown(given, root_real, selection.problems)
        else:
            candidates = [given]
        for path in candidates:
            rel = relative(path, root)
            kind = kind_of(rel, core_documents)
            if kind is None or matches_any(rel, exclude):
                selection.skipped.append(rel)
                continue
            found[rel] = Target(
                path=path if path.is_absolute() else Path.cwd() / path, rel=rel, kind=kind
            )
    selection.targets = [found[k] for k in sorted(found)]
    return selection
