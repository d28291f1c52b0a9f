"""Find the files to lint: commands, agents and the core documents of a repository."""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from fnmatch import fnmatchcase
from pathlib import Path, PurePosixPath

from .fsutil import OUTSIDE, outside_root, walk_files
from .gitutil import GitError, changed_files, toplevel
from .model import Kind, Target

__all__ = ["GitError", "changed_files"]  # their home is gitutil; cli imports them from here

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
    return toplevel(start)


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
    """Yield *.md files below `top`, following symlinked folders only inside the root, once.
    A folder named x.md is a folder, never a file."""
    return walk_files(top, root_real, ".md", problems)


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
        if outside_root(given, root) and not matches_any(relative(given, root), exclude):
            if kind_of(relative(given, root), core_documents) is not None or given.is_dir():
                selection.problems.append((relative(given, root), OUTSIDE))
            else:
                selection.skipped.append(relative(given, root))
            continue
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
