"""Where the guard's settings come from: the rule pack (the production patterns of the tool
catalogue, a team's rule folders included), the project's configuration (the `guard:` section
of `.safety-lint.yaml` or `[tool.safety-lint]`, and its `rules:` folders), then the hook's
command line, which adds to both.

Reading the configuration and the rule pack takes YAML, TOML and the catalogue: tens of
milliseconds, before every Bash call. What they say is kept in the cache folder with the
signature (size, times, inode) of every file it was read from, and of the configuration files
that would take over (a new `.safety-lint.yaml` in the project is seen): a call costs a few
`stat` calls and one small JSON read. Nothing is kept while one of the files has just
changed. Cache files are read only from a folder and file owned by this user and writable by
nobody else; a damaged one is made again."""

from __future__ import annotations

import json
import os
import sys
import time

from .. import __version__
from .run import Malformed, Options, cache_dir

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence
    from typing import Any

FORMAT = 1  # bump when the stored settings change shape


# --- private cache files -------------------------------------------------------------------------
def private(path: str) -> bool:
    """Ours alone: owned by this user and writable by nobody else (the data decides what the
    guard lets through)."""
    try:
        st = os.stat(path)
    except OSError:
        return False
    return st.st_uid == os.getuid() and not st.st_mode & 0o022


def open_private(path: str) -> tuple[int, int] | None:
    """A file descriptor and the size of `path`, when the file and its folder are private;
    the caller closes it. The file is checked once opened, so it cannot be swapped after."""
    if not private(os.path.dirname(path)):
        return None
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return None
    try:
        st = os.fstat(fd)
    except OSError:
        st = None
    if st is None or st.st_uid != os.getuid() or st.st_mode & 0o022:
        os.close(fd)
        return None
    return fd, st.st_size


def read_private(path: str, start: int = 0, end: int | None = None) -> bytes | None:
    """The bytes of a private file (open_private) from `start` to `end` (default: all)."""
    opened = open_private(path)
    if opened is None:
        return None
    fd, size = opened
    try:
        return os.pread(fd, max((size if end is None else end) - start, 0), start)
    except OSError:
        return None
    finally:
        os.close(fd)


def write_private(path: str, data: bytes) -> None:
    """Atomically (a temporary file renamed), mode 0600, in a folder only we can write."""
    folder = os.path.dirname(path)
    tmp = f"{path}.{os.getpid()}.tmp"
    try:
        os.makedirs(folder, mode=0o700, exist_ok=True)
        if not private(folder):
            return
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            os.write(fd, data)
        finally:
            os.close(fd)
        os.replace(tmp, path)
    except OSError:
        try:  # noqa: SIM105  (contextlib is one more import before every Bash call)
            os.remove(tmp)
        except OSError:
            pass


def _name(text: str) -> str:
    """A short stable name for `text` (FNV-1a, 64 bits): a file name per project."""
    h = 0xCBF29CE484222325
    for byte in text.encode("utf-8", "surrogateescape"):
        h = ((h ^ byte) * 0x100000001B3) & 0xFFFFFFFFFFFFFFFF
    return f"{h:016x}"


# A file changed this recently may change again within the file system's clock tick, with
# the same size and times (git's "racily clean" files): what is read from it is not kept.
SETTLED_NS = 2_000_000_000
clock = time.time_ns  # what settled() reads the time from


def signature(path: str) -> list[int] | None:
    """What says a file is unchanged: size, modification and change times, inode (as Python
    keys bytecode, with the change time, which copying a file's times cannot set back). None
    for a missing file."""
    try:
        st = os.stat(path)
    except OSError:
        return None
    return [st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino]


def settled(signatures: Sequence[list[int] | None]) -> bool:
    """No file of these changed in the last SETTLED_NS, by its change time (which nothing
    but the clock sets back), nor has one a change time in the future."""
    now = clock()
    return all(s is None or now - s[2] >= SETTLED_NS for s in signatures)


# --- what the configuration and the rule pack say -----------------------------------------------
def project_root(payload: Mapping[str, object]) -> str:
    """The project: CLAUDE_PROJECT_DIR (Claude Code sets it for hooks), else the call's cwd."""
    return os.environ.get("CLAUDE_PROJECT_DIR") or str(payload.get("cwd") or "") or os.getcwd()


def _read_project(root: str, cli_rules: Sequence[str]) -> tuple[dict[str, Any], list[str]]:
    """What the configuration and the rule pack say (slow: YAML, TOML, the catalogue), and
    the files that said it."""
    from pathlib import Path

    from ..config import ConfigError, _search_folders, load_config
    from .cache import bundled_rules
    from .decide import catalogue

    seen = [os.path.join(bundled_rules(), "catalogue.yaml")]
    for folder in _search_folders(Path(root)):  # the files that would be the configuration
        seen += [str(folder / n) for n in (".safety-lint.yaml", ".safety-lint.yml")]
        seen += [str(folder / "pyproject.toml"), str(folder / ".git")]
    out: dict[str, Any] = {"errors": [], "rules": [], "guard": None}
    try:
        config = load_config(Path(root))
        if config.source is not None:
            seen.append(str(config.source))
            guard = config.guard
            out["guard"] = {
                "production-patterns": guard.production_patterns,
                "default-production-patterns": guard.default_production_patterns,
                "mcp-tools": guard.mcp_tools,
                "audit-log": guard.audit_log,
                "non-interactive": guard.non_interactive,
            }
        out["rules"] = [str(p) for p in config.rule_folders]
    except ConfigError as err:
        out["errors"].append(f"configuration: {err}; its settings are not used")
    folders = tuple(dict.fromkeys([*out["rules"], *cli_rules]))
    try:
        for folder in folders:
            seen.append(folder)  # a file added to or removed from the folder changes its mtime
            names = sorted(n for n in os.listdir(folder) if n.endswith(".yaml"))
            seen += [os.path.join(folder, n) for n in names]
        found = catalogue(folders).production
    except Exception as err:  # a team's broken catalogue: analysing would fail the same way
        out["errors"].append(f"rule pack: {err}")
        found = ()
    # Targets are compared by name parts (runs of letters): `prod1` can never be one.
    out["patterns"] = [p for p in dict.fromkeys(w.lower() for w in found) if p.isalpha()]
    return out, seen


def _project(root: str, cli_rules: Sequence[str]) -> dict[str, Any]:
    """_read_project's answer, from the cache when none of its files changed."""
    key = "\0".join([str(FORMAT), __version__, root, *cli_rules])
    path = os.path.join(cache_dir(), "settings", _name(key) + ".json")
    raw = read_private(path)
    if raw is not None:
        try:
            stored = json.loads(raw)
            if stored["key"] == key and all(signature(p) == s for p, s in stored["files"]):
                return dict(stored["data"])
        except (ValueError, KeyError, TypeError):
            pass  # damaged: read the project again
    data, files = _read_project(root, cli_rules)
    signed = [(p, signature(p)) for p in dict.fromkeys(files)]
    if settled([s for _, s in signed]):
        stored = {"key": key, "files": signed, "data": data}
        write_private(path, json.dumps(stored, ensure_ascii=False).encode("utf-8"))
    return data


def resolve(opts: Options, payload: Mapping[str, object]) -> Options:
    """The settings in force for this call: the rule pack's production patterns (unless
    turned off), the configuration's, the command line's; tools, rule folders likewise; the
    command line's audit log over the configuration's. Malformed when no pattern is left."""
    project = _project(project_root(payload), opts.rules)
    for error in project["errors"]:
        sys.stderr.write(f"safety-lint guard: {error}\n")
    guard = project["guard"] or {}
    patterns: list[str] = []
    if opts.default_patterns and guard.get("default-production-patterns", True):
        patterns += project["patterns"]
    patterns += guard.get("production-patterns", []) + list(opts.added_patterns)
    out = opts.copy()
    out.patterns = tuple(dict.fromkeys(patterns))
    if not out.patterns:
        raise Malformed(
            "no production patterns: the defaults are turned off and none is given"
            " (--production-pattern, or guard.production-patterns in the configuration)"
        )
    out.mcp_tools = tuple(dict.fromkeys([*guard.get("mcp-tools", []), *opts.mcp_tools]))
    out.rules = tuple(dict.fromkeys([*project["rules"], *opts.rules]))
    out.audit_log = opts.audit_log or guard.get("audit-log")
    out.non_interactive = opts.non_interactive or bool(guard.get("non-interactive"))
    return out
