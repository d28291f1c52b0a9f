"""Find the files to lint: commands, skills, agents and the core documents of a repository.

Where each kind is found is the kinds table of the rule pack (rules/kinds.yaml); the walk over
`.claude/` folders, plugins and marketplaces is layout.py's."""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from fnmatch import fnmatchcase
from pathlib import Path, PurePosixPath

from .fsutil import OUTSIDE, outside_root, walk_files
from .gitutil import GitError, changed_files, toplevel
from .kinds import KindTable, table
from .layout import Finder, kind_in_claude_folder, path_name
from .model import Kind, Target

__all__ = ["GitError", "changed_files"]  # their home is gitutil; cli imports them from here

CLAUDE_FOLDER = ".claude"


@dataclass
class Selection:
    """What one run lints."""

    root: Path
    targets: list[Target]
    skipped: list[str] = field(default_factory=list)  # explicit paths that are not ours
    problems: list[tuple[str, str]] = field(default_factory=list)  # (path, message)
    user_home: Path | None = None  # the personal ~/.claude/ is part of the run (--user)


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


def kind_of(rel: str, core_documents: Sequence[str], kinds: KindTable | None = None) -> Kind | None:
    """The kind of a root-relative path from the path alone (a `.claude/` folder at the root or
    in a nested project), or None. Plugin files need the repository: see `discover_repository`."""
    if rel in core_documents:
        return "document"
    parts = PurePosixPath(rel).parts
    if CLAUDE_FOLDER not in parts[:-1] or not rel.endswith(".md"):
        return None
    at = len(parts) - 1 - parts[::-1].index(CLAUDE_FOLDER)
    spec = kind_in_claude_folder(parts[at + 1 :], kinds or table())
    return spec.name if spec else None


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


_WALKS: dict[tuple[str, int, str], tuple[dict[str, Target], list[tuple[str, str]]]] | None = None


@contextmanager
def one_walk() -> Iterator[None]:
    """Inside the block the repository is walked at most once (selecting the files and
    listing every agent and command of the repository share the walk): one `check` run."""
    global _WALKS
    _WALKS = {}
    try:
        yield
    finally:
        _WALKS = None


def _layout(
    root: Path, kinds: KindTable | None, user_home: Path | None
) -> tuple[dict[str, Target], list[tuple[str, str]]]:
    key = (os.path.realpath(root), id(kinds or table()), str(user_home))
    if _WALKS is not None and key in _WALKS:
        found, problems = _WALKS[key]
        return dict(found), list(problems)
    finder = Finder(root, kinds or table(), _walk_markdown)
    finder.run(user_home)
    if _WALKS is not None:
        _WALKS[key] = (dict(finder.found), list(finder.problems))
    return finder.found, finder.problems


def discover_repository(
    root: Path,
    core_documents: Sequence[str],
    exclude: Sequence[str] = (),
    include: Sequence[str] = (),
    kinds: KindTable | None = None,
    user_home: Path | None = None,
) -> Selection:
    """Every command, skill, agent and core document under `root` (and in `user_home`'s
    `.claude/` when given), wherever Claude Code finds them."""
    layout, problems = _layout(root, kinds, user_home)
    found: dict[str, Target] = {}
    for rel, target in layout.items():
        if rel in core_documents:
            continue
        if not matches_any(rel, exclude) and (not include or matches_any(rel, include)):
            found[rel] = target
    for rel in core_documents:
        if not matches_any(rel, exclude) and (not include or matches_any(rel, include)):
            # Listed even when missing: the check reports a missing core document.
            found[rel] = Target(path=root / rel, rel=rel, kind="document")
    targets = [found[k] for k in sorted(found)]
    problems = [(relative(Path(p), root) if os.path.isabs(p) else p, m) for p, m in problems]
    return Selection(
        root=root, targets=targets, problems=sorted(set(problems)), user_home=user_home
    )


def select_paths(
    root: Path,
    paths: Iterable[Path],
    core_documents: Sequence[str],
    exclude: Sequence[str] = (),
    kinds: KindTable | None = None,
) -> Selection:
    """Exactly the given files (the way pre-commit passes them); folders are searched below.
    A file's kind is the one the repository's layout gives it (a plugin's `commands/` folder
    makes commands), else the one its path gives."""
    selection = Selection(root=root, targets=[])
    found: dict[str, Target] = {}
    root_real = Path(os.path.realpath(root))
    layout: dict[str, Target] | None = None
    for given in paths:
        if outside_root(given, root) and not matches_any(relative(given, root), exclude):
            if kind_of(relative(given, root), core_documents, kinds) is not None or given.is_dir():
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
            if rel in core_documents:
                target: Target | None = Target(_absolute(path), rel, "document")
            else:
                if layout is None:
                    layout = _layout(root, kinds, None)[0]
                target = layout.get(rel)
                kind = None if target else kind_of(rel, core_documents, kinds)
                spec = (kinds or table()).spec(kind) if kind else None
                if target is None and spec is not None:
                    name = path_name(PurePosixPath(rel), spec)
                    target = Target(_absolute(path), rel, spec.name, name=name)
                if target is None:  # a skill's bundled file (scripts/deploy.sh): its skill
                    target = _bundling_skill(rel, layout, kinds or table())
                    rel = target.rel if target else rel
            if target is None or matches_any(rel, exclude):
                selection.skipped.append(rel)
                continue
            found[rel] = target
    selection.targets = [found[k] for k in sorted(found)]
    return selection


def _bundling_skill(rel: str, layout: dict[str, Target], kinds: KindTable) -> Target | None:
    """The skill whose folder holds `rel`: a changed bundled file changes the skill."""
    skills = {
        PurePosixPath(t.rel).parent: t
        for t in layout.values()
        if (spec := kinds.spec(t.kind)) is not None and spec.bundled_files
    }
    return next((skills[f] for f in PurePosixPath(rel).parents if f in skills), None)


def _absolute(path: Path) -> Path:
    return path if path.is_absolute() else Path.cwd() / path
