"""Regular expressions compiled on first use, for the modules the runtime guard imports before
every Bash call.

`re` compiles in Python: a dozen patterns cost a millisecond or more, and the hook has about
twelve for everything. Most calls need only a few of the tokenizer's and the catalogue's
patterns, so each is compiled when it is first used. A lazy pattern behaves as the compiled one
(every attribute is the compiled pattern's); it is typed as `re.Pattern[str]`."""

from __future__ import annotations

import re

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any


class LazyPattern:
    """The pattern is compiled at the first call; from then on the compiled pattern's methods
    are the instance's own attributes, so a call costs what it costs on `re.Pattern`."""

    def __init__(self, pattern: str | bytes, flags: int = 0) -> None:
        self.pattern, self.flags = pattern, flags

    def compiled(self) -> re.Pattern[Any]:
        found: re.Pattern[Any] | None = self.__dict__.get("_compiled")
        if found is None:
            found = re.compile(self.pattern, self.flags)
            self._compiled = found
            for name in _METHODS:  # instance attributes shadow the methods below
                setattr(self, name, getattr(found, name))
        return found

    def search(self, *args: Any) -> Any:
        return self.compiled().search(*args)

    def match(self, *args: Any) -> Any:
        return self.compiled().match(*args)

    def fullmatch(self, *args: Any) -> Any:
        return self.compiled().fullmatch(*args)

    def finditer(self, *args: Any) -> Any:
        return self.compiled().finditer(*args)

    def findall(self, *args: Any) -> Any:
        return self.compiled().findall(*args)

    def sub(self, *args: Any, **kwargs: Any) -> Any:
        return self.compiled().sub(*args, **kwargs)

    def split(self, *args: Any, **kwargs: Any) -> Any:
        return self.compiled().split(*args, **kwargs)

    def __getattr__(self, name: str) -> Any:  # groups, groupindex, subn...
        if name.startswith("_"):  # not the pattern's (and no recursion on a half-built one)
            raise AttributeError(name)
        return getattr(self.compiled(), name)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, LazyPattern):
            if (other.pattern, other.flags) == (self.pattern, self.flags):
                return True
            other = other.compiled()
        return self.compiled() == other

    def __hash__(self) -> int:
        return hash(self.compiled())

    def __repr__(self) -> str:
        return f"lazy({self.pattern!r}, {self.flags})"

    def __reduce__(self) -> tuple[Any, ...]:
        return (LazyPattern, (self.pattern, self.flags))


_METHODS = ("search", "match", "fullmatch", "finditer", "findall", "sub", "split")


def lazy(pattern: str, flags: int = 0) -> re.Pattern[str]:
    """`re.compile(pattern, flags)`, compiled when first used."""
    return LazyPattern(pattern, flags)  # type: ignore[return-value]
