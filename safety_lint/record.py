"""Frozen record classes: the runtime guard's, and the linter's frozen value classes.

`dataclasses` imports `inspect` (and with it `ast`, `dis`, `tokenize`, `enum`...): about 10 ms
of a hook process that has 12 ms to start, decide and exit; and each frozen dataclass compiles
six generated methods when its module is imported (about 0.8 ms each class here: 30 ms of a
one-file `check` for its 32 classes). Records compile nothing. `@record` gives these modules what
they used of `@dataclass(frozen=True)`: an `__init__` taking the fields by position or keyword,
defaults, `==` and `hash` over the fields (same class only), a dataclass-like `repr`, no
assignment after construction, `replace()` and `fields()`. mypy reads a record as a frozen
dataclass (PEP 681). A default is shared by every instance, so it must be immutable (a
`frozenset()`, a tuple, another record)."""

from __future__ import annotations

from operator import itemgetter

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Sequence
    from typing import Any, TypeVar

    from typing_extensions import dataclass_transform

    T = TypeVar("T")
else:

    def dataclass_transform(**_: object) -> object:
        return lambda f: f


FIELDS = "__record_fields__"
NAMES = "__record_names__"  # the fields as a set
DEFAULTS = "__record_defaults__"  # field -> default, for the fields that have one
VALUES = "__record_values__"  # instance __dict__ -> the field values as a tuple


_SET = object.__setattr__


def _initializer(names: tuple[str, ...], required: int, defaults: tuple[Any, ...]) -> Any:
    """The `__init__` of a record with these fields; `defaults`: those of the last fields."""
    count = len(names)

    def __init__(self: Any, *args: Any, **kwargs: Any) -> None:
        # Set one by one in field order, as a dataclass does: the instances of a class then
        # share one table of keys (filling `__dict__` at once gives each its own: 64 bytes
        # more a record). The common call, every field by position, takes no other step.
        if kwargs or not required <= len(args) <= count:
            args = _arguments(type(self), names, args, kwargs)
        elif len(args) < count:
            args = (*args, *defaults[len(args) - required :])
        for name, value in zip(names, args, strict=True):
            _SET(self, name, value)

    return __init__


def _arguments(
    cls: type, names: tuple[str, ...], args: tuple[Any, ...], kwargs: dict[str, Any]
) -> tuple[Any, ...]:
    """Every field's value in order, from positions, keywords and defaults (TypeError as a
    dataclass's `__init__` raises it)."""
    values = dict(getattr(cls, DEFAULTS))
    if args:
        if len(args) > len(names):
            raise TypeError(f"{cls.__name__}() takes {len(names)} arguments, {len(args)} given")
        if not kwargs.keys().isdisjoint(names[: len(args)]):
            raise TypeError(f"{cls.__name__}() got multiple values for an argument")
        values.update(zip(names, args, strict=False))  # the rest by keyword or default
    values.update(kwargs)
    if values.keys() != getattr(cls, NAMES):
        unknown = sorted(set(values) - set(names))
        missing = [n for n in names if n not in values]
        what = f"unexpected argument '{unknown[0]}'" if unknown else f"no '{missing[0]}'"
        raise TypeError(f"{cls.__name__}(): {what}")
    return tuple(map(values.__getitem__, names))


def _values(self: Any) -> tuple[Any, ...]:
    values: tuple[Any, ...] = getattr(type(self), VALUES)(self.__dict__)
    return values


def _eq(self: Any, other: object) -> object:
    if other.__class__ is not self.__class__:
        return NotImplemented
    return bool(_values(self) == _values(other))


def _hash(self: Any) -> int:
    return hash(_values(self))


def _repr(self: Any) -> str:
    d = self.__dict__
    inner = ", ".join(f"{name}={d[name]!r}" for name in getattr(type(self), FIELDS))
    return f"{type(self).__qualname__}({inner})"


def _frozen(self: Any, name: str, *_: Any) -> None:
    raise AttributeError(f"cannot assign to field '{name}' of a frozen {type(self).__name__}")


@dataclass_transform(frozen_default=True)
def record(cls: type[T]) -> type[T]:
    """The class with the record methods; its annotated names are the fields, in order."""
    names = tuple(cls.__annotations__)  # not inspect: it is the cost avoided
    defaults = {n: cls.__dict__[n] for n in names if n in cls.__dict__}
    required = next((i for i, n in enumerate(names) if n in defaults), len(names))
    if len(defaults) != len(names) - required:
        raise TypeError(f"{cls.__name__}: a field without a default follows one with a default")
    setattr(cls, FIELDS, names)
    setattr(cls, NAMES, frozenset(names))
    setattr(cls, DEFAULTS, defaults)
    one = itemgetter(*names) if names else (lambda _: ())
    setattr(cls, VALUES, one if len(names) != 1 else (lambda d: (one(d),)))
    tail = tuple(defaults[n] for n in names[required:])
    for name, method in (
        ("__init__", _initializer(names, required, tail)),
        ("__eq__", _eq),
        ("__hash__", _hash),
        ("__repr__", _repr),
        ("__setattr__", _frozen),
        ("__delattr__", _frozen),
    ):
        setattr(cls, name, method)
    return cls


def fields(obj: object) -> tuple[str, ...]:
    """The field names of a record (class or instance); () for anything else."""
    cls = obj if isinstance(obj, type) else type(obj)
    names: tuple[str, ...] = getattr(cls, FIELDS, ())
    return names


def replace(obj: T, **changes: Any) -> T:
    """A copy of the record with some fields changed; of a dataclass, `dataclasses.replace`."""
    names = fields(obj)
    if not names:
        import dataclasses

        return dataclasses.replace(obj, **changes)  # type: ignore[type-var]
    unknown = set(changes) - set(names)
    if unknown:
        raise TypeError(f"{type(obj).__name__} has no field '{sorted(unknown)[0]}'")
    values = {name: obj.__dict__[name] for name in names}
    values.update(changes)
    return type(obj)(**values)


def build(cls: type[T], values: Sequence[Any]) -> T:
    """A record from its first field values in order, the rest defaults, without the checks
    of `__init__` (for data a program wrote itself, such as the guard's cache). ValueError or
    KeyError when the values cannot be that record's."""
    names: tuple[str, ...] = getattr(cls, FIELDS)
    if len(values) > len(names):
        raise ValueError(f"{len(values)} values for the {len(names)} fields of {cls.__name__}")
    obj = object.__new__(cls)
    d = obj.__dict__
    d.update(zip(names, values, strict=False))
    for name in names[len(values) :]:
        d[name] = cls.__dict__[name]
    return obj


def trailing_defaults(obj: object) -> int:
    """How many of the record's last fields hold their default (for a compact stored form)."""
    cls = type(obj)
    names = fields(obj)
    count = 0
    for name in reversed(names):
        if name not in cls.__dict__ or obj.__dict__[name] != cls.__dict__[name]:
            break
        count += 1
    return count
