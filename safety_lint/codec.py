"""Plain dataclasses to JSON and back, driven by their type hints, for the result cache.

Decoding checks every value against the declared type and builds only the dataclasses it is
asked for, so a cache file can hold data, never code. A value or type it does not know raises
`CodecError`; the cache then treats the entry as missing.
"""

from __future__ import annotations

import dataclasses
import json
import re
import types
from collections.abc import Callable
from functools import cache
from pathlib import Path, PurePath
from typing import Any, Literal, Union, get_args, get_origin, get_type_hints

from .record import fields as record_fields


class CodecError(Exception):
    """A value that cannot be stored, or stored data that does not fit its type."""


def encode(obj: Any) -> Any:
    """A JSON value for `obj`: dataclasses as objects, sets sorted, tuples as lists."""
    if obj is None or isinstance(obj, (bool, int, float, str)):
        return obj
    names = _instance_names(obj)
    if names is not None:
        return {name: encode(getattr(obj, name)) for name in names}
    if isinstance(obj, (list, tuple)):
        return [encode(x) for x in obj]
    if isinstance(obj, (set, frozenset)):
        return sorted((encode(x) for x in obj), key=lambda x: json.dumps(x, sort_keys=True))
    if isinstance(obj, dict):
        if not all(isinstance(k, str) for k in obj):
            raise CodecError("only string keys are stored")
        return {k: encode(v) for k, v in obj.items()}
    if isinstance(obj, PurePath):
        return str(obj)
    raise CodecError(f"cannot store a {type(obj).__name__}")


def decode(tp: Any, value: Any) -> Any:
    """`value` (from `encode`) as an instance of `tp`; CodecError when it does not fit."""
    return _decoder(tp)(value)


Decoder = Callable[[Any], Any]


@cache
def _decoder(tp: Any) -> Decoder:
    """A function that reads values of `tp`, worked out once per type."""
    origin, args = get_origin(tp), get_args(tp)
    if origin in (Union, types.UnionType):
        optional = type(None) in args
        options = [_decoder(a) for a in args if a is not type(None)]

        def union(value: Any) -> Any:
            if value is None and optional:
                return None
            for option in options:
                try:
                    return option(value)
                except CodecError:
                    continue
            raise CodecError(f"{value!r} fits none of {tp}")

        return union
    if origin is Literal:
        allowed = frozenset(a for a in args if isinstance(a, str))

        def literal(value: Any) -> Any:
            if isinstance(value, str) and value in allowed:
                return value
            raise CodecError(f"{value!r} is not one of {args}")

        return literal
    if origin is tuple and not (len(args) == 2 and args[1] is Ellipsis):
        each = [_decoder(a) for a in args]

        def fixed(value: Any) -> Any:
            if not isinstance(value, list) or len(value) != len(each):
                raise CodecError(f"expected a list of {len(each)}")
            return tuple(d(v) for d, v in zip(each, value, strict=True))

        return fixed
    if origin in (list, tuple, set, frozenset):
        if not args:
            raise CodecError(f"{tp} has no item type")
        item, make = _decoder(args[0]), origin

        def sequence(value: Any) -> Any:
            if not isinstance(value, list):
                raise CodecError(f"expected a list, got {type(value).__name__}")
            return make(item(v) for v in value)

        return sequence
    if origin is dict:
        if len(args) != 2 or args[0] is not str:
            raise CodecError(f"cannot read back a {tp}")
        item = _decoder(args[1])

        def mapping(value: Any) -> Any:
            if not isinstance(value, dict):
                raise CodecError(f"expected an object for {tp}")
            return {k: item(v) for k, v in value.items()}

        return mapping
    if isinstance(tp, type) and _names(tp) is not None:
        return _dataclass_decoder(tp)
    if tp in (bool, str, int):
        exact = tp

        def scalar(value: Any) -> Any:
            if type(value) is not exact:
                raise CodecError(f"expected {exact.__name__}")
            return value

        return scalar
    if tp is float:

        def number(value: Any) -> Any:
            if type(value) not in (int, float):
                raise CodecError("expected a number")
            return float(value)

        return number
    if tp is Path:

        def path(value: Any) -> Any:
            if not isinstance(value, str):
                raise CodecError("expected a path")
            return Path(value)

        return path

    def unknown(value: Any) -> Any:  # Any, object, patterns: never stored
        raise CodecError(f"cannot read back a {tp}")

    return unknown


def _dataclass_decoder(tp: type) -> Decoder:
    hints = get_type_hints(tp)
    names = _names(tp) or ()
    fields: list[tuple[str, Decoder]] = []

    def read(value: Any) -> Any:
        if not fields:  # filled on first use: a dataclass may refer to itself
            fields.extend((n, _decoder(hints[n])) for n in names)
        if not isinstance(value, dict):
            raise CodecError(f"expected an object for {tp.__name__}")
        init: dict[str, Any] = {}
        for name, field_decoder in fields:
            if name not in value:
                raise CodecError(f"{tp.__name__} without '{name}'")
            init[name] = field_decoder(value[name])
        try:
            return tp(**init)
        except (TypeError, ValueError) as err:
            raise CodecError(str(err)) from None

    return read


def _instance_names(obj: object) -> tuple[str, ...] | None:
    if isinstance(obj, type):
        return None
    tp: type = obj.__class__
    return _names(tp)


def _dataclass_names(obj: object) -> tuple[str, ...]:
    """Every field of a dataclass instance (init or not), else ()."""
    if isinstance(obj, type) or not dataclasses.is_dataclass(obj):
        return ()
    return tuple(f.name for f in dataclasses.fields(obj))


@cache
def _names(tp: type) -> tuple[str, ...] | None:
    """The field names of a record or dataclass type (None for any other type)."""
    names = record_fields(tp)
    if names:
        return names
    if not dataclasses.is_dataclass(tp):
        return None
    fields = dataclasses.fields(tp)
    if not all(f.init for f in fields):
        raise CodecError(f"{tp.__name__} has fields set outside __init__")
    return tuple(f.name for f in fields)


def canonical(obj: Any) -> Any:
    """A JSON value that is the same for equal inputs in every process (sets and dicts
    sorted, patterns by source): what cache keys are hashed from. Unlike `encode` it accepts
    anything, falling back to the type's name and repr."""
    if obj is None or isinstance(obj, (bool, int, float, str)):
        return obj
    names = () if isinstance(obj, type) else record_fields(obj) or _dataclass_names(obj)
    if names:
        out = {name: canonical(getattr(obj, name)) for name in names}
        return [type(obj).__name__, out]
    if isinstance(obj, (list, tuple)):
        return [canonical(x) for x in obj]
    if isinstance(obj, (set, frozenset)):
        return sorted((canonical(x) for x in obj), key=lambda x: json.dumps(x, sort_keys=True))
    if isinstance(obj, dict):
        items = [[canonical(k), canonical(v)] for k, v in obj.items()]
        return sorted(items, key=lambda kv: json.dumps(kv[0], sort_keys=True))
    if isinstance(obj, PurePath):
        return str(obj)
    if isinstance(obj, re.Pattern) or type(obj).__name__ == "LazyPattern":
        return ["re", obj.pattern, obj.flags]
    if callable(obj):
        return ["callable", getattr(obj, "__module__", ""), getattr(obj, "__qualname__", "")]
    return [type(obj).__name__, repr(obj)]
