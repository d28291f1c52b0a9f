"""Rule-pack YAML in a fast form for the hook: a JSON copy keyed by the hash of the YAML bytes.

Importing ruamel.yaml and parsing the pack costs tens of milliseconds, paid before every Bash
call otherwise. A cache that cannot be read, does not parse, or belongs to other bytes is
ignored and rebuilt; one that cannot be written is simply not kept."""

from __future__ import annotations

import hashlib
import json
import os
import tempfile

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

FORMAT = 1  # bump when the cached form changes


def cache_dir() -> str:
    explicit = os.environ.get("SAFETY_LINT_CACHE_DIR")
    if explicit:
        return explicit
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "safety-lint")


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


def bundled_rules() -> str:
    """The rule pack shipped in the wheel, or `rules/` of a source checkout (as
    rulepack.bundled_rules_dir, without importing the rule-pack loader)."""
    here = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    for candidate in (os.path.join(here, "rules"), os.path.join(os.path.dirname(here), "rules")):
        if os.path.isdir(candidate):
            return candidate
    raise FileNotFoundError("the bundled rule pack is missing (safety_lint/rules)")
