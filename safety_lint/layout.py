"""Where Claude Code finds commands, skills and agents in a repository: `.claude/` folders at the
root and in nested projects, plugin roots (`.claude-plugin/plugin.json`, with the paths it names
replacing the default folders), the plugins a marketplace (`.claude-plugin/marketplace.json`)
lists inside the repository, and the personal `~/.claude/`. Which kind lives where is data: the
kinds table (rules/kinds.yaml, see kinds.py).

Nothing outside the root is read: a plugin path or marketplace source that leaves it is reported
and skipped. Manifests are JSON, read with the standard library; a broken one is a problem with
its path and line, and the run goes on.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from fnmatch import fnmatchcase
from pathlib import Path, PurePosixPath
from typing import Any

from .fsutil import FileProblem, TooLarge, read_bytes
from .kinds import KindSpec, KindTable
from .model import Target

MAX_MANIFEST_BYTES = 1 << 20  # a plugin.json or marketplace.json larger than this is not read
Walker = Callable[[Path, Path, list[tuple[str, str]]], Iterator[Path]]


@dataclass
class Plugin:
    name: str
    root: Path
    fields: dict[str, list[str]] = field(default_factory=dict)  # component paths it names


def glob_match(parts: Sequence[str], pattern: Sequence[str]) -> bool:
    """Does a relative path (its parts) match a glob (its parts)? `**` is any number of
    folders, other parts match as fnmatch patterns."""
    if not pattern:
        return not parts
    head, rest = pattern[0], pattern[1:]
    if head == "**":
        return any(glob_match(parts[i:], rest) for i in range(len(parts) + 1))
    return bool(parts) and fnmatchcase(parts[0], head) and glob_match(parts[1:], rest)


def _static_prefix(glob: str) -> tuple[str, list[str]]:
    """`commands/**/*.md` -> (`commands`, [`**`, `*.md`]): the folder to walk and the rest."""
    parts = PurePosixPath(glob).parts
    i = next((i for i, p in enumerate(parts) if any(c in p for c in "*?[")), len(parts))
    return "/".join(parts[:i]), list(parts[i:])


def new_file_path(spec: KindSpec | None, name: str, root: Path, folder: Path | None) -> Path:
    """Where `safety-lint new` writes a file of this kind: `<folder>/<name>.md`, or
    `<folder>/<name>/SKILL.md` for a kind whose files have a fixed name in their own folder.
    The folder defaults to the kind's folder in the root's `.claude/`."""
    glob = spec.folder_glob if spec and spec.folder_glob else "**/*.md"
    top, pattern = _static_prefix(glob)
    folder = folder or root / ".claude" / top
    fixed = pattern[-1] if pattern and not any(c in pattern[-1] for c in "*?[") else None
    return folder / name / fixed if fixed else folder / f"{name}.md"


def linted_name(parts: Sequence[str], table: KindTable) -> bool:
    """README.md and files under `_templates/` or `examples/` are never commands (policy §1)."""
    return parts[-1].lower() not in table.not_linted_names and not (
        table.not_linted_folders & set(parts[:-1])
    )


def kind_in_claude_folder(below: Sequence[str], table: KindTable) -> KindSpec | None:
    """The kind of a file from its path below a `.claude/` folder, or None."""
    for spec in table.file_kinds():
        if spec.folder_glob and glob_match(below, PurePosixPath(spec.folder_glob).parts):
            return spec if linted_name(below[1:], table) else None
    return None


def path_name(path: PurePosixPath | Path, spec: KindSpec) -> str:
    """The name a file's path gives it: its skill folder, else its stem."""
    return path.parent.name if "folder" in spec.name_from else path.stem


def _inside(path: Path, root_real: str) -> bool:
    real = os.path.realpath(path)
    return real == root_real or real.startswith(root_real + os.sep)


class Finder:
    """Collects the targets of one root; `problems` are (path, message) pairs."""

    def __init__(self, root: Path, table: KindTable, walk: Walker) -> None:
        self.root = root
        self.root_real = os.path.realpath(root)
        self.table = table
        self.walk = walk
        self.problems: list[tuple[str, str]] = []
        self.found: dict[str, Target] = {}

    def rel(self, path: Path) -> str:
        try:
            return path.absolute().relative_to(self.root.absolute()).as_posix()
        except ValueError:
            return path.as_posix()

    def add(self, path: Path, spec: KindSpec, scope: str, plugin: str | None, rel: str) -> None:
        name = path_name(path, spec)
        target = Target(path=path, rel=rel, kind=spec.name, plugin=plugin, scope=scope, name=name)
        self.found.setdefault(rel, target)

    # --- .claude/ folders -------------------------------------------------------------------

    def claude_folder(self, folder: Path, scope: str, shown_as: str | None = None) -> None:
        """Every command, skill and agent of one `.claude/` folder. `shown_as` is the path
        reported for the folder (`~/.claude` for the personal one)."""
        for spec in self.table.file_kinds():
            if not spec.folder_glob:
                continue
            top, pattern = _static_prefix(spec.folder_glob)
            start = folder / top
            if not start.is_dir():
                continue
            inside = Path(os.path.realpath(folder)) if shown_as else Path(self.root_real)
            for path in self.walk(start, inside, self.problems):
                below = path.relative_to(start).parts
                if not glob_match(below, pattern) or not linted_name(below, self.table):
                    continue
                rel = (
                    f"{shown_as}/{path.relative_to(folder).as_posix()}"
                    if shown_as
                    else self.rel(path)
                )
                self.add(path, spec, scope, None, rel)

    # --- plugins ----------------------------------------------------------------------------

    def _json(self, path: Path) -> Any:
        try:
            data = read_bytes(path, MAX_MANIFEST_BYTES, self.root)
            return json.loads(data.decode("utf-8-sig"))
        except TooLarge:
            self.problems.append((self.rel(path), "manifest too large; not read"))
        except FileProblem as err:
            self.problems.append((self.rel(path), f"{err}; not read"))
        except RecursionError:
            self.problems.append((self.rel(path), "manifest nested too deeply; not read"))
        except json.JSONDecodeError as err:
            self.problems.append(
                (f"{self.rel(path)}:{err.lineno}", f"invalid JSON: {err.msg}; not read")
            )
        except (OSError, UnicodeDecodeError) as err:
            self.problems.append((self.rel(path), f"cannot read: {err}"))
        return None

    def _paths(self, value: Any, where: Path, what: str) -> list[str] | None:
        if value is None:
            return None
        items = value if isinstance(value, list) else [value]
        if not all(isinstance(v, str) for v in items):
            self.problems.append((self.rel(where), f"`{what}` must be a path or a list of paths"))
            return []
        return list(items)

    def plugin_at(self, root: Path, fallback_name: str, extra: dict[str, Any] | None) -> Plugin:
        """A plugin root: its manifest's name and component paths (plus a marketplace entry's)."""
        manifest = root / self.table.plugin_manifest
        data: Any = self._json(manifest) if manifest.is_file() else None
        data = data if isinstance(data, dict) else {}
        name = data.get("name") if isinstance(data.get("name"), str) else fallback_name
        plugin = Plugin(str(name), root)
        fields = [s.plugin_field for s in self.table.file_kinds() if s.plugin_field]
        for source in (data, extra or {}):
            for key in fields:
                assert key is not None
                paths = self._paths(source.get(key), manifest, key)
                if paths is not None:
                    plugin.fields.setdefault(key, []).extend(paths)
        return plugin

    def plugin_files(self, plugin: Plugin) -> None:
        """The plugin's commands, skills and agents: the paths its manifest names for a kind,
        else the kind's default folder."""
        scope = f"plugin:{plugin.name}"
        for spec in self.table.file_kinds():
            if not spec.plugin_default:
                continue
            named = plugin.fields.get(spec.plugin_field or "")
            paths = named if named is not None else [spec.plugin_default]
            pattern = PurePosixPath(spec.plugin_in_folder).parts
            fixed = pattern[-1] if not any(c in pattern[-1] for c in "*?[") else None
            for given in paths:
                path = Path(os.path.normpath(plugin.root / given)) if given else plugin.root
                shown = self.rel(plugin.root / given)
                if not _inside(path, self.root_real):
                    self.problems.append((shown, "plugin path points outside the root; not read"))
                    continue
                if path.is_file():
                    if self._fits(path, spec):
                        self.add(path, spec, scope, plugin.name, self.rel(path))
                    continue
                if not path.is_dir():
                    if named is not None:
                        self.problems.append(
                            (shown, f"plugin `{spec.plugin_field}` path not found")
                        )
                    continue
                for file in self.walk(path, Path(self.root_real), self.problems):
                    below = file.relative_to(path).parts
                    # A path to one skill's own folder (`./skills/deploy/`) holds its SKILL.md.
                    direct = len(below) == 1 and fixed is not None and below[0] == fixed
                    if (direct or glob_match(below, pattern)) and linted_name(below, self.table):
                        self.add(file, spec, scope, plugin.name, self.rel(file))

    def _fits(self, path: Path, spec: KindSpec) -> bool:
        """A file a manifest names directly: it must look like its kind (`*.md`, `SKILL.md`)."""
        pattern = PurePosixPath(spec.plugin_in_folder).parts
        return glob_match((path.name,), pattern[-1:]) and linted_name((path.name,), self.table)

    def marketplace(self, manifest: Path) -> list[tuple[Path, str, dict[str, Any]]]:
        """The plugin sources of a marketplace that are folders inside the repository."""
        data = self._json(manifest)
        if not isinstance(data, dict):
            return []
        base = manifest.parent.parent
        meta = data.get("metadata")
        plugin_root = meta.get("pluginRoot") if isinstance(meta, dict) else None
        plugin_root = plugin_root if isinstance(plugin_root, str) else ""
        out = []
        for entry in data.get("plugins") or []:
            if not isinstance(entry, dict):
                continue
            source, name = entry.get("source"), entry.get("name")
            if not isinstance(source, str):
                continue  # github, url, npm ...: outside the repository
            folder = Path(os.path.normpath(base / plugin_root / source))
            if not _inside(folder, self.root_real):
                self.problems.append(
                    (self.rel(manifest), f"plugin source `{source}` is outside the root; not read")
                )
                continue
            if not folder.is_dir():
                self.problems.append((self.rel(manifest), f"plugin source `{source}` not found"))
                continue
            out.append((folder, str(name) if isinstance(name, str) else folder.name, entry))
        return out

    # --- the whole tree ---------------------------------------------------------------------

    def folders(self) -> Iterator[Path]:
        """Every folder of the tree that may hold `.claude/` or `.claude-plugin/`, without
        following symlinks and without the folders in `skip-folders` or hidden ones. Iterative,
        so any depth works (os.walk recurses on Python < 3.12)."""
        stack = [self.root]
        while stack:
            folder = stack.pop()
            yield folder
            try:
                with os.scandir(folder) as entries:
                    names = [
                        e.name
                        for e in entries
                        if e.is_dir(follow_symlinks=False)
                        and e.name not in self.table.skip_folders
                        and not e.name.startswith(".")
                    ]
            except OSError as err:
                self._walk_error(err)
                continue
            stack.extend(folder / n for n in sorted(names, reverse=True))  # sorted, depth first

    def _walk_error(self, err: OSError) -> None:
        self.problems.append(
            (self.rel(Path(str(err.filename))), f"cannot read folder: {err.strerror}")
        )

    def run(self, user_home: Path | None = None) -> None:
        # Plugins by (real folder, name): one folder may be several plugins of a marketplace
        # (`"source": "./"` with different `skills` lists). A marketplace is read before the
        # plugin.json of the same folder, so its entry's component paths are kept.
        plugins: dict[tuple[str, str], Plugin] = {}
        for folder in self.folders():
            if (folder / ".claude").is_dir():
                scope = "project" if folder == self.root else f"nested:{self.rel(folder)}"
                self.claude_folder(folder / ".claude", scope)
            if (folder / self.table.marketplace_manifest).is_file():
                for source, name, entry in self.marketplace(
                    folder / self.table.marketplace_manifest
                ):
                    plugin = self.plugin_at(source, name, entry)
                    plugins.setdefault((os.path.realpath(source), plugin.name), plugin)
            if (folder / self.table.plugin_manifest).is_file():
                plugin = self.plugin_at(folder, folder.name, None)
                plugins.setdefault((os.path.realpath(folder), plugin.name), plugin)
        for key in sorted(plugins):
            self.plugin_files(plugins[key])
        if user_home is not None and (user_home / ".claude").is_dir():
            self.claude_folder(user_home / ".claude", "user", shown_as="~/.claude")
