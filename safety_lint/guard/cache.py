"""Rule-pack data in a fast form for the hook: a JSON copy of a YAML file, and the compiled tool
catalogue in a form that is read one family at a time.

Importing ruamel.yaml and parsing the pack costs tens of milliseconds, and building the
catalogue from its data more than the whole decision; reading all of it back (a pickle) still
cost about ten milliseconds, most of it objects and regular expressions a call never uses. The
catalogue's file holds a header (the catalogue's own lists, which family each tool belongs to,
where each family is) and then the families, each stored apart: a call decodes the header and
the families of the tools it names, and a regular expression is compiled when first used.

Every entry is keyed by the size, modification and change times and inode of the rule files it
was made from and of the code that makes and reads it (settings.signature), the package version
and the Python version; the key is stored in the entry and compared. Files changed in the last
two seconds are not trusted to say so by their times, and nothing made from them is kept. An
entry is read only from a folder and file owned by this user and writable by nobody else, and
its parts carry checksums; one that cannot be read, does not parse, is damaged or belongs to
other files is ignored and rebuilt; one that cannot be written is simply not kept. Only `json`,
`marshal` and `os` are imported (`zlib` would load a shared library: a fifth of a millisecond
before every Bash call)."""

from __future__ import annotations

import json
import marshal
import os
import re
import sys

from .. import __version__, bundled_rules_path
from ..catalogue import Catalogue, Condition, Family, Rule
from ..lazyre import LazyPattern, lazy
from ..record import build, fields, trailing_defaults
from .run import cache_dir
from .settings import open_private, settled, signature
from .settings import read_private as _read
from .settings import write_private as _write

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, ItemsView, Iterator, KeysView, Mapping, Sequence
    from typing import Any

    Span = tuple[int, int, int]  # where a family is in the body, and its checksum
    _ToolMap = Mapping[str, Family]
    _FamilySequence = Sequence[Family]
    _PatternSequence = Sequence[tuple[re.Pattern[str], Family]]
else:  # not the ABCs at run time (one import more before every Bash call): the views below
    _ToolMap = _FamilySequence = _PatternSequence = object  # define what the readers use

FORMAT = 2  # bump when a cached form changes
_RECORDS: dict[str, type] = {"Family": Family, "Rule": Rule, "Condition": Condition}
_LAZY_FIELDS = ("families", "by_tool", "tool_patterns")  # stored apart from the header's lists


class Corrupt(ValueError):
    """A cache entry that is not what this code writes: ignored and rebuilt."""


def bundled_rules() -> str:
    """The bundled rule pack's folder (where rulepack.bundled_rules_dir finds it)."""
    found = bundled_rules_path()
    if found is None:
        raise FileNotFoundError("the bundled rule pack is missing (safety_lint/rules)")
    return found


def checksum(data: bytes) -> int:
    """The bytes read as one number, modulo the largest prime below 2**30 (one machine word:
    CPython divides by it in one pass). Any change of one byte changes it; other damage goes
    unseen once in a billion."""
    return int.from_bytes(data, "little") % 1073741789


def fingerprint(sources: Sequence[str], code: Sequence[str] = ()) -> str | None:
    """What an entry was built from: the format, the versions, the signature of each source
    and of the code that builds it. None while one of them has just changed (not to be kept)."""
    files = [*sources, *code]
    signatures = [signature(path) for path in files]
    if None in signatures:
        raise FileNotFoundError(f"no such file: {files[signatures.index(None)]}")
    if not settled(signatures):
        return None
    return " ".join([str(FORMAT), __version__, sys.version, *(str(s) for s in signatures)])


def _entry(name: str, key: str, suffix: str) -> str:
    return os.path.join(cache_dir(), f"{name}-{checksum(key.encode()):08x}{suffix}")


# --- plain data: YAML files and what is read from them ------------------------------------------
def derived(
    name: str, sources: Sequence[str], make: Callable[[], Any], code: Sequence[str] = ()
) -> Any:
    """`make()` (plain data: what JSON holds), or its copy stored earlier for these exact
    sources and `code` files (by their signatures)."""
    key = fingerprint(sources, code)
    if key is None:
        return make()
    cached = _entry(name, key, ".json")
    raw = _read(cached)
    if raw is not None:
        try:
            stored = json.loads(raw)
            if isinstance(stored, dict) and stored.get("key") == key and "data" in stored:
                return stored["data"]
        except ValueError:
            pass
    value = make()
    try:
        text = json.dumps({"key": key, "data": value}, ensure_ascii=False)
    except (TypeError, ValueError):
        return value  # not plain data (dates, odd keys): made again every time
    if json.loads(text)["data"] == value:
        _write(cached, text.encode("utf-8"))
    return value


def parse_yaml(path: str) -> Any:
    from ruamel.yaml import YAML

    with open(path, encoding="utf-8") as handle:
        return YAML(typ="safe").load(handle.read())


def load_yaml(path: str) -> Any:
    """The YAML file's data, from the JSON copy when it was made from these exact bytes."""
    stem = os.path.splitext(os.path.basename(path))[0]
    return derived(stem, [path], lambda: parse_yaml(path))


# --- the tool catalogue --------------------------------------------------------------------------
# Stored with `marshal` (tuples, frozensets, strings, numbers): reading it back is one C call and
# a walk that only turns the tagged tuples into records and lazy patterns. A record or pattern is
# a tuple starting with Ellipsis, which no YAML value is.
_MAGIC = b"SLGC"


def _plain(value: object) -> Any:
    if value is None or isinstance(value, (str, int, frozenset)):
        return value
    if isinstance(value, tuple):
        return tuple(_plain(v) for v in value)
    if isinstance(value, (LazyPattern, re.Pattern)) and isinstance(value.pattern, str):
        return (..., "", value.pattern, value.flags)
    name = type(value).__name__
    if _RECORDS.get(name) is type(value):
        names = fields(value)
        kept = names[: len(names) - trailing_defaults(value)]  # defaults are not stored
        return (..., name, *(_plain(getattr(value, f)) for f in kept))
    raise TypeError(f"a {name} cannot be cached")


def _value(item: Any) -> Any:
    """The inverse of _plain (KeyError, ValueError, TypeError... for what it did not write)."""
    if type(item) is not tuple:
        return item
    if item and item[0] is ...:
        name = item[1]
        if name == "":
            if type(item[2]) is not str or type(item[3]) is not int:
                raise TypeError("a pattern")
            return lazy(item[2], item[3])
        return build(_RECORDS[name], [_value(v) for v in item[2:]])
    for v in item:
        if type(v) is tuple:
            return tuple([_value(v) for v in item])
    return item  # strings only: as stored


def encode(catalogue: Catalogue, key: str) -> bytes:
    """The catalogue's cache file: magic, the header's size and checksum, the header (the lists,
    tool -> family, the tool patterns, where each family is and its checksum), the families."""
    blobs = {f.id: marshal.dumps(_plain(f)) for f in catalogue.families}
    spans: dict[str, Span] = {}
    offset = 0
    for fid, blob in blobs.items():
        spans[fid] = (offset, offset + len(blob), checksum(blob))
        offset += len(blob)
    lists = {f: _plain(getattr(catalogue, f)) for f in fields(catalogue) if f not in _LAZY_FIELDS}
    # Tool -> family as one string searched per lookup: decoding a dict of every tool costs
    # more than the few lookups a call makes.
    pairs = [(tool, family.id) for tool, family in catalogue.by_tool.items()]
    if any(ch in text for pair in pairs for text in pair for ch in "\t\n"):
        raise ValueError("a tool name with a tab or a line break")
    tools = "".join(f"\n{tool}\t{fid}" for tool, fid in pairs) + "\n"
    patterns = tuple((_plain(p), family.id) for p, family in catalogue.tool_patterns)
    head = marshal.dumps((key, lists, tools, patterns, spans))
    size = len(head).to_bytes(4, "little") + checksum(head).to_bytes(4, "little")
    return _MAGIC + size + head + b"".join(blobs.values())


class _Families:
    """A cached catalogue's families, each read and decoded when it is first needed (most
    calls need one or two of the eighty)."""

    def __init__(self, read: Callable[[int, int], bytes | None], spans: dict[str, Span]) -> None:
        self.read, self.spans = read, spans
        self.built: dict[str, Family] = {}

    def get(self, fid: str) -> Family:
        family = self.built.get(fid)
        if family is None:
            start, end, expected = self.spans[fid]
            blob = self.read(start, end)
            if blob is None or checksum(blob) != expected:
                raise Corrupt(f"the cached catalogue's family {fid} is damaged")
            family = _value(marshal.loads(blob))
            if not isinstance(family, Family) or family.id != fid:
                raise Corrupt(f"the cached catalogue's family {fid} is damaged")
            self.built[fid] = family
        return family


# Views over _Families as the catalogue's `by_tool`, `families` and `tool_patterns`: the
# action layer reads a cached catalogue as it reads a built one.
class _ByTool(_ToolMap):
    def __init__(self, tools: str, families: _Families) -> None:
        self.tools, self.families = tools, families
        self.index: dict[str, str] | None = None

    def _id(self, tool: str) -> str | None:
        if "\t" in tool or "\n" in tool:
            return None
        start = self.tools.find(f"\n{tool}\t")
        if start < 0:
            return None
        start += len(tool) + 2
        return self.tools[start : self.tools.index("\n", start)]

    def __getitem__(self, tool: str) -> Family:
        fid = self._id(tool)
        if fid is None:
            raise KeyError(tool)
        return self.families.get(fid)

    def get(self, tool: str, default: Any = None) -> Any:
        fid = self._id(tool)
        return default if fid is None else self.families.get(fid)

    def _all(self) -> dict[str, str]:
        if self.index is None:
            lines = self.tools.strip("\n").split("\n")
            self.index = dict(line.split("\t", 1) for line in lines if line)
        return self.index

    def __iter__(self) -> Iterator[str]:
        return iter(self._all())

    def __len__(self) -> int:
        return len(self._all())

    def __contains__(self, tool: object) -> bool:
        return isinstance(tool, str) and self._id(tool) is not None

    def keys(self) -> KeysView[str]:
        return self._all().keys()

    def items(self) -> ItemsView[str, Family]:
        return {tool: self.families.get(fid) for tool, fid in self._all().items()}.items()


class _FamilyList(_FamilySequence):
    def __init__(self, families: _Families) -> None:
        self.families, self.ids = families, list(families.spans)

    def __getitem__(self, index: Any) -> Any:
        if isinstance(index, slice):
            return [self.families.get(fid) for fid in self.ids[index]]
        return self.families.get(self.ids[index])

    def __len__(self) -> int:
        return len(self.ids)

    def __iter__(self) -> Iterator[Family]:
        return (self.families.get(fid) for fid in self.ids)


class _ToolPatterns(_PatternSequence):
    def __init__(self, items: list[tuple[re.Pattern[str], str]], families: _Families) -> None:
        self.items, self.families = items, families

    def __getitem__(self, index: Any) -> Any:
        if isinstance(index, slice):
            return [(p, self.families.get(fid)) for p, fid in self.items[index]]
        pattern, fid = self.items[index]
        return pattern, self.families.get(fid)

    def __len__(self) -> int:
        return len(self.items)

    def __iter__(self) -> Iterator[tuple[re.Pattern[str], Family]]:
        return ((p, self.families.get(fid)) for p, fid in self.items)


def decode(data: bytes, key: str) -> Catalogue:
    """The catalogue of a cache file's bytes made for `key`; Corrupt (or ValueError,
    EOFError...) when it is not one."""
    return _decode(lambda start, end: data[start:end], len(data), key)


def _decode(read: Callable[[int, int], bytes | None], size: int, key: str) -> Catalogue:
    """decode() over `read(start, end)`, the bytes of a file of `size` bytes: only the header
    is read here, each family when it is needed."""
    lead = read(0, 12) or b""
    if lead[:4] != _MAGIC:
        raise Corrupt("not a cached catalogue")
    head_size = int.from_bytes(lead[4:8], "little")
    head = read(12, 12 + head_size) or b""
    if len(head) != head_size or checksum(head) != int.from_bytes(lead[8:12], "little"):
        raise Corrupt("the cached catalogue is damaged")
    stored, lists, tools, patterns, spans = marshal.loads(head)
    if stored != key:
        raise Corrupt("a cached catalogue of other files")
    if type(tools) is not str or not tools.startswith("\n"):
        raise Corrupt("the tool index")
    body = 12 + head_size
    if size != body + max((end for _, end, _ in spans.values()), default=0):
        raise Corrupt("the cached catalogue is cut short")
    families = _Families(lambda start, end: read(body + start, body + end), spans)
    items = [(_value(p), fid) for p, fid in patterns]
    if not all(isinstance(p, LazyPattern) and fid in spans for p, fid in items):
        raise Corrupt("tool patterns")
    return Catalogue(
        families=_FamilyList(families),
        by_tool=_ByTool(tools, families),
        tool_patterns=_ToolPatterns(items, families),
        **{name: _value(item) for name, item in lists.items()},
    )


def catalogue(
    sources: Sequence[str], code: Sequence[str], make: Callable[[], Catalogue]
) -> Catalogue:
    """`make()`, or the catalogue stored earlier for these exact source files and code."""
    key = fingerprint(sources, code)
    if key is None:
        return make()
    path = _entry("catalogue", key, ".marshal")
    opened = open_private(path)
    if opened is not None:
        fd, size = opened

        def read(start: int, end: int) -> bytes | None:
            if end <= len(head):
                return head[start:end]
            # A family, when it is needed: the file is opened again (should another process
            # have replaced it since, the family's checksum says so).
            return _read(path, start, end)

        try:
            # The header's size as the file says, never more than the file (a damaged size
            # field must not allocate gigabytes).
            wanted = 12 + int.from_bytes(os.pread(fd, 8, 0)[4:8], "little")
            head = os.pread(fd, min(wanted, size), 0)
            return _decode(read, size, key)
        except (OSError, ValueError, KeyError, TypeError, IndexError, EOFError):
            pass  # not what this code writes: build it again
        finally:
            os.close(fd)
    made = make()
    try:
        data = encode(made, key)
    except (TypeError, ValueError):
        return made
    _write(path, data)
    return made
