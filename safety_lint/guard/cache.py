"""Rule-pack data in a fast form for the hook: a JSON copy of a YAML file, and the compiled tool
catalogue as JSON that is read one family at a time.

Importing ruamel.yaml and parsing the pack costs tens of milliseconds, and building the
catalogue from its data more than the whole decision; reading all of it back (pickle) still
cost about ten milliseconds, most of it objects and regular expressions a call never uses. The
catalogue's file is one JSON header line (the catalogue's own lists, which family each tool
belongs to, where each family's JSON starts and ends) and then the families: a call decodes the
header and the families of the tools it names, and a regular expression is compiled when it is
first used.

Every entry is keyed by the size and CRC-32 of the files it was built from (the YAML and the
code that builds and reads it), the package version and the Python version. An entry is read
only from a folder and file owned by this user and writable by nobody else; one that cannot be
read, does not parse or belongs to other files is ignored and rebuilt; one that cannot be
written is simply not kept. Only the standard library's `json`, `os` and `zlib` are imported."""

from __future__ import annotations

import json
import os
import re
import sys
import zlib
from collections.abc import Mapping, Sequence

from .. import __version__
from ..catalogue import Catalogue, Condition, Family, Rule
from ..lazyre import LazyPattern, lazy
from ..record import build, fields
from .run import cache_dir

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Iterator
    from typing import Any

FORMAT = 2  # bump when a cached form changes
_RECORDS: dict[str, type] = {"Family": Family, "Rule": Rule, "Condition": Condition}
_LAZY_FIELDS = ("families", "by_tool", "tool_patterns")  # stored apart from the header's lists


class Corrupt(ValueError):
    """A cache entry that is not what this code writes: ignored and rebuilt."""


def bundled_rules() -> str:
    """The rule pack shipped in the wheel, or `rules/` of a source checkout (as
    rulepack.bundled_rules_dir, without importing the rule-pack loader)."""
    here = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    for candidate in (os.path.join(here, "rules"), os.path.join(os.path.dirname(here), "rules")):
        if os.path.isdir(candidate):
            return candidate
    raise FileNotFoundError("the bundled rule pack is missing (safety_lint/rules)")


def fingerprint(sources: Sequence[str]) -> str:
    """What an entry was built from: format, versions, and each source's size and CRC-32."""
    parts = [str(FORMAT), __version__, sys.version]
    for source in sources:
        with open(source, "rb") as handle:
            data = handle.read()
        parts.append(f"{len(data)}:{zlib.crc32(data):08x}")
    return " ".join(parts)


def _entry(name: str, key: str, suffix: str) -> str:
    return os.path.join(cache_dir(), f"{name}-{zlib.crc32(key.encode()):08x}{suffix}")


def _private(path: str) -> bool:
    """Ours alone: owned by this user and writable by nobody else (the data decides what the
    guard lets through)."""
    try:
        st = os.stat(path)
    except OSError:
        return False
    return st.st_uid == os.getuid() and not st.st_mode & 0o022


def _read(path: str) -> bytes | None:
    if not (_private(os.path.dirname(path)) and _private(path)):
        return None
    try:
        with open(path, "rb") as handle:
            return handle.read()
    except OSError:
        return None


def _write(path: str, data: bytes) -> None:
    folder = os.path.dirname(path)
    tmp = f"{path}.{os.getpid()}.tmp"
    try:
        os.makedirs(folder, mode=0o700, exist_ok=True)
        if not _private(folder):
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


# --- YAML files ----------------------------------------------------------------------------------
def load_yaml(path: str) -> Any:
    """The YAML file's data, from the JSON copy when it was made from these exact bytes."""
    key = fingerprint([path])
    stem = os.path.splitext(os.path.basename(path))[0]
    cached = _entry(stem, key, ".json")
    raw = _read(cached)
    if raw is not None:
        try:
            stored = json.loads(raw)
            if isinstance(stored, dict) and stored.get("key") == key and "data" in stored:
                return stored["data"]
        except ValueError:
            pass
    from ruamel.yaml import YAML

    with open(path, encoding="utf-8") as handle:
        value = YAML(typ="safe").load(handle.read())
    try:
        text = json.dumps({"key": key, "data": value}, ensure_ascii=False)
    except (TypeError, ValueError):
        return value  # not plain data (dates, odd keys): parse the YAML every time
    if json.loads(text)["data"] == value:
        _write(cached, text.encode("utf-8"))
    return value


# --- the tool catalogue --------------------------------------------------------------------------
def _plain(value: object) -> Any:
    """A catalogue value as JSON: lists tagged t(uple), s(et), p(attern), r(ecord)."""
    if value is None or isinstance(value, (str, int)):
        return value
    if isinstance(value, tuple):
        return ["t", *(_plain(v) for v in value)]
    if isinstance(value, frozenset):
        return ["s", *sorted(_plain(v) for v in value)]
    if isinstance(value, (LazyPattern, re.Pattern)) and isinstance(value.pattern, str):
        return ["p", value.pattern, value.flags]
    name = type(value).__name__
    if _RECORDS.get(name) is type(value):
        return ["r", name, *(_plain(getattr(value, f)) for f in fields(value))]
    raise TypeError(f"a {name} cannot be cached")


def _value(item: Any) -> Any:
    """The inverse of _plain; Corrupt (or KeyError, TypeError...) for anything it did not write."""
    kind = type(item)
    if kind is list:
        tag = item[0]
        if tag == "t":
            return tuple([_value(v) for v in item[1:]])
        if tag == "s":
            return frozenset([_value(v) for v in item[1:]])
        if tag == "p" and len(item) == 3 and type(item[1]) is str and type(item[2]) is int:
            return lazy(item[1], item[2])
        if tag == "r":
            cls = _RECORDS[item[1]]
            values = [_value(v) for v in item[2:]]
            if len(values) != len(fields(cls)):
                raise Corrupt(f"a {item[1]} with {len(values)} fields")
            return build(cls, tuple(values))
        raise Corrupt(f"unknown tag {tag!r}")
    if item is None or kind is str or kind is int or kind is bool:
        return item
    raise Corrupt(f"unexpected {kind.__name__}")


def encode(catalogue: Catalogue) -> bytes:
    """The catalogue's cache file: a header line, then each family's JSON."""
    families: dict[str, bytes] = {}
    for family in catalogue.families:
        families[family.id] = json.dumps(_plain(family), ensure_ascii=False).encode("utf-8")
    spans: dict[str, list[int]] = {}
    offset = 0
    for fid, data in families.items():
        spans[fid] = [offset, offset + len(data)]
        offset += len(data)
    header = {
        "lists": {
            f: _plain(getattr(catalogue, f)) for f in fields(catalogue) if f not in _LAZY_FIELDS
        },
        "tools": {tool: family.id for tool, family in catalogue.by_tool.items()},
        "patterns": [[_plain(p), family.id] for p, family in catalogue.tool_patterns],
        "families": spans,
    }
    line = json.dumps(header, ensure_ascii=False).encode("utf-8")
    return line + b"\n" + b"".join(families.values())


class _Families:
    """A cached catalogue's families, each decoded when it is first needed."""

    def __init__(self, body: bytes, spans: dict[str, list[int]]) -> None:
        self.body, self.spans = body, spans
        self.built: dict[str, Family] = {}

    def get(self, fid: str) -> Family:
        family = self.built.get(fid)
        if family is None:
            start, end = self.spans[fid]
            family = _value(json.loads(self.body[start:end]))
            if not isinstance(family, Family) or family.id != fid:
                raise Corrupt(f"family {fid}")
            self.built[fid] = family
        return family


# Views over _Families as the catalogue's `by_tool`, `families` and `tool_patterns`: the
# action layer reads a cached catalogue as it reads a built one.
class _ByTool(Mapping[str, Family]):
    def __init__(self, tools: dict[str, str], families: _Families) -> None:
        self.tools, self.families = tools, families

    def __getitem__(self, tool: str) -> Family:
        return self.families.get(self.tools[tool])

    def get(self, tool: str, default: Any = None) -> Any:
        fid = self.tools.get(tool)
        return default if fid is None else self.families.get(fid)

    def __iter__(self) -> Iterator[str]:
        return iter(self.tools)

    def __len__(self) -> int:
        return len(self.tools)


class _FamilyList(Sequence[Family]):
    def __init__(self, families: _Families) -> None:
        self.families, self.ids = families, list(families.spans)

    def __getitem__(self, index: Any) -> Any:
        if isinstance(index, slice):
            return [self.families.get(fid) for fid in self.ids[index]]
        return self.families.get(self.ids[index])

    def __len__(self) -> int:
        return len(self.ids)


class _ToolPatterns(Sequence[tuple[re.Pattern[str], Family]]):
    def __init__(self, items: list[tuple[re.Pattern[str], str]], families: _Families) -> None:
        self.items, self.families = items, families

    def __getitem__(self, index: Any) -> Any:
        if isinstance(index, slice):
            return [(p, self.families.get(fid)) for p, fid in self.items[index]]
        pattern, fid = self.items[index]
        return pattern, self.families.get(fid)

    def __len__(self) -> int:
        return len(self.items)


def decode(data: bytes) -> Catalogue:
    end = data.index(b"\n")
    header = json.loads(data[:end])
    families = _Families(data[end + 1 :], header["families"])
    lists = {name: _value(item) for name, item in header["lists"].items()}
    patterns = [(_value(p), str(fid)) for p, fid in header["patterns"]]
    if not all(isinstance(p, LazyPattern) and fid in families.spans for p, fid in patterns):
        raise Corrupt("tool patterns")
    if not all(fid in families.spans for fid in header["tools"].values()):
        raise Corrupt("tools")
    return Catalogue(
        families=_FamilyList(families),
        by_tool=_ByTool(header["tools"], families),
        tool_patterns=_ToolPatterns(patterns, families),
        **lists,
    )


def catalogue(sources: Sequence[str], make: Callable[[], Catalogue]) -> Catalogue:
    """`make()`, or the catalogue stored earlier for these exact source files. The first line
    of the file holds the key and the CRC-32 of the rest (a truncated or damaged file is seen
    before any family is decoded from it)."""
    key = fingerprint(sources)
    path = _entry("catalogue", key, ".json")
    data = _read(path)
    if data is not None:
        first, _, rest = data.partition(b"\n")
        try:
            if json.loads(first) == {"key": key, "crc": zlib.crc32(rest)}:
                return decode(rest)
        except (ValueError, KeyError, TypeError, IndexError, AttributeError):
            pass  # not what this code writes: build it again
    made = make()
    try:
        body = encode(made)
    except (TypeError, ValueError):
        return made
    first = json.dumps({"key": key, "crc": zlib.crc32(body)}).encode("utf-8")
    _write(path, first + b"\n" + body)
    return made
