"""The result cache (like ruff's): a file whose bytes, rule pack, configuration and
repository facts are the same as in an earlier run gets that run's verdict without being
parsed again. Off with `check --no-cache`; the output is the same either way. It lives in the
user cache folder, one folder per repository root (`default_folder`), so that a check writes
nothing into the repository; `--cache-dir .safety-lint-cache` keeps it with the repository.

Keys: each entry is found by the hash of the file's path, kind and bytes, inside a shard named
by the hash of everything else its verdict depends on (the pack files and the code, the
configuration, the selected rules, the facts about the repository's agents and commands).

Trust: the folder is inside a repository that someone else may have written, so a cache file
is JSON, read back only into the expected types (`codec.py`), and signed with a secret that
never leaves this user's cache folder (HMAC-SHA256): a cache committed to a repository, copied
from another machine or edited by hand does not verify and is ignored, so it can never make a
file pass. A corrupt or stale file is ignored and rewritten; a folder that cannot be written
means no cache, never an error.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import secrets
import stat
from pathlib import Path
from typing import Any, Generic, TypeVar

from .cache import private, prune, user_dir, write_quietly
from .codec import CodecError, canonical, decode, encode

T = TypeVar("T")

FOLDER = ".safety-lint-cache"
FORMAT = "1"
SHARDS = "0123456789abcdef"  # a one-file run reads a sixteenth of the cache
KEEP_RUNS = 4  # run keys kept side by side (branches, configurations)


MAX_BYTES = 8 << 20  # larger files are not cached (the run reports them as it does)


def regular_bytes(path: Path, limit: int = MAX_BYTES) -> bytes | None:
    """A regular file's bytes, or None: never a device, FIFO or folder (a core document
    linked to /dev/zero), never more than `limit` bytes."""
    try:
        if not stat.S_ISREG(os.stat(path).st_mode):
            return None
        with open(path, "rb") as handle:
            data = handle.read(limit + 1)
    except OSError:
        return None
    return data if len(data) <= limit else None


def default_folder(root: Path) -> Path:
    """The cache of the repository at `root`, in the user cache folder."""
    name = hashlib.sha256(str(root.resolve()).encode()).hexdigest()[:16]
    return user_dir() / "results" / name


def secret() -> bytes | None:
    """This user's signing key, made on first use; None when it cannot be kept private."""
    folder = user_dir()
    path = folder / "result-cache.key"
    if private(path):
        try:
            key = path.read_bytes()
            if len(key) >= 32:
                return key
        except OSError:
            return None
    if not write_quietly(path, secrets.token_bytes(32)):
        return None
    try:
        key = path.read_bytes()  # another process may have written its own meanwhile
    except OSError:
        return None
    return key if private(path) and len(key) >= 32 else None


def run_key(*parts: Any) -> str:
    """The hash of what every verdict of the run depends on besides the file itself."""
    blob = json.dumps([FORMAT, *(canonical(p) for p in parts)], sort_keys=True)
    return hashlib.sha256(blob.encode()).hexdigest()


class ResultCache(Generic[T]):
    """Verdicts of one run key, of type `kind`, loaded shard by shard as files are asked for."""

    def __init__(self, folder: Path, key: str, signing: bytes, kind: type[T]) -> None:
        self.folder, self.key, self.signing, self.kind = folder, key, signing, kind
        self.shards: dict[str, dict[str, Any]] = {}
        self.dirty: set[str] = set()
        self.file_keys: dict[str, str] = {}  # path -> the key its bytes had when asked for

    @classmethod
    def open(cls, folder: Path, key: str, kind: type[T]) -> ResultCache[T] | None:
        signing = secret()
        return None if signing is None else cls(folder, key, signing, kind)

    def _path(self, shard: str) -> Path:
        return self.folder / f"results-{self.key[:32]}-{shard}.json"

    def _shard(self, name: str) -> dict[str, Any]:
        if name not in self.shards:
            self.shards[name] = self._read(self._path(name))
        return self.shards[name]

    def _read(self, path: Path) -> dict[str, Any]:
        """A verified shard's entries, or nothing."""
        try:
            raw = path.read_bytes()
        except OSError:
            return {}
        mac, _, body = raw.partition(b"\n")
        expected = hmac.new(self.signing, body, hashlib.sha256).hexdigest().encode()
        if not hmac.compare_digest(mac, expected):
            return {}  # foreign, edited or cut short: ignored, rewritten on save
        try:
            data = json.loads(body)
        except ValueError:
            return {}
        ok = isinstance(data, dict) and data.get("key") == self.key
        entries = data.get("entries") if ok else None
        return entries if isinstance(entries, dict) else {}

    @staticmethod
    def file_key(identity: Any, data: bytes) -> str:
        digest = hashlib.sha256(json.dumps(canonical(identity), sort_keys=True).encode())
        digest.update(b"\0")
        digest.update(data)
        return digest.hexdigest()

    def get(self, path: Path, identity: Any) -> T | None:
        """The stored verdict for the file at `path` as it is now, or None."""
        data = regular_bytes(path)
        if data is None:
            return None  # not a plain readable file: the run reports it; nothing cached
        fkey = self.file_key(identity, data)
        self.file_keys[str(path)] = fkey
        found = self._shard(fkey[0]).get(fkey)
        if found is None:
            return None
        try:
            value: T = decode(self.kind, found)
            return value
        except CodecError:
            return None

    def put(self, path: Path, identity: Any, value: T) -> None:
        """Store `value` for the bytes `get` saw, if the file still has them (a file changed
        while it was checked is not stored)."""
        fkey = self.file_keys.get(str(path))
        data = regular_bytes(path)
        if fkey is None or data is None or self.file_key(identity, data) != fkey:
            return
        try:
            stored = encode(value)
        except CodecError:
            return
        self._shard(fkey[0])[fkey] = stored
        self.dirty.add(fkey[0])

    def save(self) -> None:
        """Write the shards that changed; keep the files of the last few run keys."""
        if not self.dirty:
            return
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            ignore = self.folder / ".gitignore"
            if not ignore.exists():
                write_quietly(ignore, b"# written by safety-lint\n*\n", 0o644)
        except OSError:
            return
        for name in sorted(self.dirty):
            body = json.dumps(
                {"key": self.key, "entries": self.shards[name]}, separators=(",", ":")
            ).encode()
            mac = hmac.new(self.signing, body, hashlib.sha256).hexdigest().encode()
            write_quietly(self._path(name), mac + b"\n" + body, 0o644)
        prune(self.folder, "results-*.json", keep=KEEP_RUNS * len(SHARDS))
        self.dirty.clear()
