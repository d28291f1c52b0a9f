"""Rule-pack data in a fast form for the hook: a JSON copy of a YAML file keyed by the hash of
its bytes, and the compiled tool catalogue keyed by the hash of its data and code.

Importing ruamel.yaml and parsing the pack costs tens of milliseconds, paid before every Bash
call otherwise. A cache that cannot be read, does not parse, or belongs to other bytes is
ignored and rebuilt; one that cannot be written is simply not kept."""

from __future__ import annotations

import hashlib
import json
import os
import pickle
import sys
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from .run import cache_dir

T = TypeVar("T")

FORMAT = 1  # bump when the cached form changes


def _parse_yaml(text: str) -> Any:
    from ruamel.yaml import YAML

    return YAML(typ="safe").load(text)


def _store(path: str, key: str, value: Any) -> None:
    try:
        text = json.dumps({"format": FORMAT, "key": key, "data": value}, ensure_ascii=False)
    except (TypeError, ValueError):
        return  # not plain data (dates, odd keys): parse the YAML every time
    if json.loads(text)["data"] != value:
        return
    folder = os.path.dirname(path)
    try:
        import tempfile  # only when writing: it imports shutil

        os.makedirs(folder, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".tmp-", suffix=".json", dir=folder)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.replace(tmp, path)
    except OSError:
        pass


def load_yaml(path: str) -> Any:
    """The YAML file's data, from the JSON cache when it holds these exact bytes."""
    with open(path, "rb") as handle:
        raw = handle.read()
    key = hashlib.sha256(raw).hexdigest()
    stem = os.path.splitext(os.path.basename(path))[0]
    cached = os.path.join(cache_dir(), f"{stem}-{key[:24]}.json")
    try:
        with open(cached, encoding="utf-8") as handle:
            stored = json.load(handle)
        if isinstance(stored, dict) and stored.get("format") == FORMAT and stored["key"] == key:
            return stored["data"]
    except (OSError, ValueError, KeyError):
        pass
    value = _parse_yaml(raw.decode("utf-8"))
    _store(cached, key, value)
    return value


def _private(path: str) -> bool:
    """Ours alone: owned by this user and writable by nobody else (a pickle is code)."""
    try:
        st = os.stat(path)
    except OSError:
        return False
    return st.st_uid == os.getuid() and not st.st_mode & 0o022


def built(name: str, sources: Sequence[str], build: Callable[[], T]) -> T:
    """`build()`, or its result stored earlier for these exact source files (their bytes, the
    Python version). For objects that are slow to build from their data (the compiled tool
    catalogue). The pickle is written and read only in this user's private cache folder."""
    digest = hashlib.sha256(sys.version.encode())
    for source in sources:
        with open(source, "rb") as handle:
            digest.update(handle.read())
    folder = cache_dir()
    path = os.path.join(folder, f"{name}-{digest.hexdigest()[:24]}.pickle")
    if _private(folder) and _private(path):
        try:
            with open(path, "rb") as handle:
                return pickle.load(handle)  # type: ignore[no-any-return]
        except Exception:  # a truncated or foreign file: build again
            pass
    value = build()
    try:
        os.makedirs(folder, mode=0o700, exist_ok=True)
        if _private(folder):
            import tempfile

            fd, tmp = tempfile.mkstemp(prefix=".tmp-", suffix=".pickle", dir=folder)
            with os.fdopen(fd, "wb") as handle:
                pickle.dump(value, handle, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(tmp, path)
    except (OSError, pickle.PicklingError, TypeError, AttributeError):
        pass
    return value


def bundled_rules() -> str:
    """The rule pack shipped in the wheel, or `rules/` of a source checkout (as
    rulepack.bundled_rules_dir, without importing the rule-pack loader)."""
    here = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    for candidate in (os.path.join(here, "rules"), os.path.join(os.path.dirname(here), "rules")):
        if os.path.isdir(candidate):
            return candidate
    raise FileNotFoundError("the bundled rule pack is missing (safety_lint/rules)")
