"""Caches that only ever save time: the validated rule pack (user cache folder) and the
helpers the result cache shares with it. Whatever goes wrong with a cache (missing, corrupt,
stale, someone else's) it is ignored and rebuilt, never trusted, and a run never fails on it.

The pack is stored with pickle, which can run code when loaded, so it lives only in the user's
own cache folder and is loaded only when that folder and the file belong to this user and
nobody else can write them. Nothing in a repository is ever unpickled.
"""

from __future__ import annotations

import hashlib
import io
import os
import pickle
import re
import stat
import sys
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, TypeVar

from . import __version__

T = TypeVar("T")

ENV_DIR = "SAFETY_LINT_CACHE_DIR"  # the user cache folder (tests, CI)
ENV_OFF = "SAFETY_LINT_NO_CACHE"  # any non-empty value: no cache of any kind


def disabled() -> bool:
    return bool(os.environ.get(ENV_OFF))


def user_dir() -> Path:
    """$SAFETY_LINT_CACHE_DIR, else $XDG_CACHE_HOME/safety-lint, else ~/.cache/safety-lint."""
    if os.environ.get(ENV_DIR):
        return Path(os.environ[ENV_DIR])
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "safety-lint"


def code_fingerprint() -> str:
    """The package version and its source files (name, size, mtime): a changed safety-lint,
    installed or edited in place, never reads a cache written by another."""
    parts = [__version__, sys.version]
    for folder, dirs, files in os.walk(os.path.dirname(__file__)):
        dirs[:] = sorted(d for d in dirs if d != "__pycache__")
        for name in sorted(f for f in files if f.endswith(".py")):
            try:
                st = os.stat(os.path.join(folder, name))
            except OSError:
                continue
            parts.append(f"{folder}/{name}:{st.st_size}:{st.st_mtime_ns}")
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()


MAX_PACK_FILE = 16 << 20


def pack_key(folders: Iterable[Path]) -> str:
    """The hash of the rule pack's files (names and bytes, in load order) and of the code."""
    digest = hashlib.sha256(code_fingerprint().encode())
    for folder in folders:
        for path in sorted(Path(folder).glob("*.yaml")):
            digest.update(f"\0{path.name}\0".encode())
            try:  # never a FIFO or device: the pack loader reports those
                if not stat.S_ISREG(os.stat(path).st_mode):
                    digest.update(b"\0not a regular file")
                    continue
                with open(path, "rb") as handle:
                    digest.update(handle.read(MAX_PACK_FILE + 1))
            except OSError:
                digest.update(b"\0unreadable")
    return digest.hexdigest()


def private(path: Path) -> bool:
    """A regular file or folder of this user that no one else can write (POSIX only)."""
    if not hasattr(os, "getuid"):
        return False
    try:
        st = path.lstat()
    except OSError:
        return False
    kind_ok = stat.S_ISREG(st.st_mode) or stat.S_ISDIR(st.st_mode)
    return kind_ok and st.st_uid == os.getuid() and not st.st_mode & 0o022


def write_quietly(path: Path, data: bytes, mode: int = 0o600) -> bool:
    """Temp file + rename in the same folder (a reader sees an old or a whole new file); no
    fsync: a cache lost in a crash is only rebuilt. False when it could not be written."""
    import tempfile

    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    except OSError:
        return False
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.chmod(tmp, mode)
        os.replace(tmp, path)
        return True
    except OSError:
        return False
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def cached_object(
    folder: Path, key: str, build: Callable[[], T], valid: Callable[[object], bool]
) -> T:
    """`build()`, or what an earlier run stored under `key` in the private `folder`. The stored
    object is used only if the folder and file are private to this user and `valid` accepts it;
    anything else (no file, a foreign or corrupt one) is rebuilt and stored again."""
    if disabled():
        return build()
    path = folder / f"{key}.pickle"
    if private(folder) and private(path):
        try:
            with open(path, "rb") as handle:
                found = pickle.load(handle)  # private to this user: checked just above
            if valid(found):
                return found  # type: ignore[no-any-return]
        except Exception:  # a corrupt or stale cache is only rebuilt
            pass
    value = build()
    try:
        buffer = io.BytesIO()
        _LazyPickler(buffer, protocol=pickle.HIGHEST_PROTOCOL).dump(value)
        data = buffer.getvalue()
    except Exception:  # something in it cannot be stored: no cache, same result
        return value
    if write_quietly(path, data):
        prune(folder, "*.pickle", keep=KEEP)
    return value


KEEP = 8  # packs kept: a few team packs and versions in use side by side


def prune(folder: Path, pattern: str, keep: int) -> None:
    """Remove all but the `keep` most recently written files matching `pattern`."""
    try:
        found = sorted(folder.glob(pattern), key=lambda p: p.stat().st_mtime_ns, reverse=True)
        for old in found[keep:]:
            old.unlink()
    except OSError:
        pass


class LazyPattern:
    """A stored regular expression, compiled the first time it is used: a run compiles only
    the patterns of the kinds and classes it meets, not the whole pack's. It answers
    everything `re.Pattern` does (by delegation), compares and hashes like one."""

    __slots__ = ("_compiled", "flags", "pattern")

    def __init__(self, pattern: str, flags: int) -> None:
        self.pattern, self.flags = pattern, flags
        self._compiled: re.Pattern[str] | None = None

    def _re(self) -> re.Pattern[str]:
        if self._compiled is None:
            self._compiled = re.compile(self.pattern, self.flags)
        return self._compiled

    def __getattr__(self, name: str) -> Any:  # search, finditer, match, sub, groups, ...
        return getattr(self._re(), name)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, (LazyPattern, re.Pattern)):
            return (self.pattern, self.flags) == (other.pattern, other.flags)
        return NotImplemented

    def __hash__(self) -> int:
        return hash((self.pattern, self.flags))

    def __repr__(self) -> str:
        return f"re.compile({self.pattern!r}, {self.flags!r})"

    def __reduce__(self) -> tuple[Any, ...]:
        return (LazyPattern, (self.pattern, self.flags))


class _LazyPickler(pickle.Pickler):
    """Stores every compiled pattern as a LazyPattern."""

    def reducer_override(self, obj: Any) -> Any:
        if isinstance(obj, re.Pattern):
            return (LazyPattern, (obj.pattern, obj.flags))
        return NotImplemented
