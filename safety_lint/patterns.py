"""Regular expressions from a team's rule pack, which a pull request can change: run by the
`regex` module under a time limit, so a pattern that backtracks catastrophically (`^(a+)+$`,
`(a|aa)+$`, `.*a.*a.*a.*x`) cannot hang a run. The bundled pack's patterns are ours and run
on `re` (tested against hostile text in tests/test_security.py).

A pattern that runs out of time raises PatternTimeout; the file being checked gets an error
naming the pattern and where it is defined, and the pattern fails at once from then on, so a
run costs at most one time limit per pattern and process.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable, Iterator
from typing import Any, cast

TIMEOUT = 0.25  # seconds, per search


class PatternTimeout(Exception):
    """A rule pack's pattern ran out of time; the message names it and where it is defined."""


class PatternError(Exception):
    pass


class Guarded:
    """Duck-types the parts of `re.Pattern` the checks use."""

    def __init__(self, pattern: str, flags: int, where: str) -> None:
        import regex

        self.pattern, self.flags, self.where = pattern, flags, where
        self._failed = False
        try:
            self._re = regex.compile(pattern, flags | regex.VERSION0)
        except regex.error as err:
            raise PatternError(str(err)) from None

    def __reduce__(self) -> tuple[Any, ...]:  # sent to worker processes as its source
        return (Guarded, (self.pattern, self.flags, self.where))

    def _run(self, call: Callable[..., Any], *args: Any) -> Any:
        if self._failed:
            raise self._timeout()
        try:
            return call(*args, timeout=TIMEOUT)
        except TimeoutError:
            self._failed = True
            raise self._timeout() from None

    def _timeout(self) -> PatternTimeout:
        return PatternTimeout(
            f"pattern {self.pattern[:80]!r} ({self.where}) took more than {TIMEOUT} s on this "
            "file: it backtracks catastrophically (nested quantifiers such as `(a+)+`, "
            "overlapping alternatives); rewrite it"
        )

    def search(self, string: str, pos: int = 0, endpos: int = sys.maxsize) -> Any:
        return self._run(self._re.search, string, pos, endpos)

    def match(self, string: str, pos: int = 0, endpos: int = sys.maxsize) -> Any:
        return self._run(self._re.match, string, pos, endpos)

    def fullmatch(self, string: str, pos: int = 0, endpos: int = sys.maxsize) -> Any:
        return self._run(self._re.fullmatch, string, pos, endpos)

    def finditer(self, string: str, pos: int = 0, endpos: int = sys.maxsize) -> Iterator[Any]:
        return iter(
            self._run(lambda *a, **kw: list(self._re.finditer(*a, **kw)), string, pos, endpos)
        )


def compile_pattern(pattern: str, flags: int, trusted: bool, where: str = "") -> re.Pattern[str]:
    """`re.compile` for the bundled pack; a Guarded pattern for anything a team supplied.
    Raises re.error or PatternError for a bad pattern."""
    if trusted:
        return re.compile(pattern, flags)
    return cast("re.Pattern[str]", Guarded(pattern, flags, where or "a team rule pack"))


def compile_error() -> tuple[type[Exception], ...]:
    return (re.error, PatternError)
