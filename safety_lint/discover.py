"""Find the files to lint: commands, skills, agents and the core documents of a repository.

Where each kind is found is the kinds table of the rule pack (rules/kinds.yaml); the walk over
`.claude/` folders, plugins and marketplaces is layout.py's."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from fnmatch import fnmatchcase
from pathlib import Path, PurePosixPath

from .kinds import KindTable, table
from .layout import Finder, kind_in_claude_folder, path_name
from .model import Kind, Target

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
