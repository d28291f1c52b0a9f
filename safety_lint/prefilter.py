"""Literal prefilters for regular expressions, as Semgrep does: the words any match must
contain, derived from the pattern, so that a regex runs only on text that can match.

`required(pattern)` is a set of lower-case ASCII strings such that every match of the pattern
(compiled with IGNORECASE) contains at least one of them, or None when no such set is known
(a pattern that can match without any literal of three characters or more). The text is
case-folded once and searched with `in`, which costs far less than running the regex.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Iterable
from typing import Any

# The regex parser of the standard library (`re._parser` from 3.11, `sre_parse` before): a
# private module, so every use below is checked against what it returns.
_NEW = sys.version_info >= (3, 11)
_p: Any = importlib.import_module("re._parser" if _NEW else "sre_parse")
_c: Any = importlib.import_module("re._constants" if _NEW else "sre_constants")

MIN_LITERAL = 3  # shorter literals are too common to skip anything
MAX_ALTERNATIVES = 64  # a set larger than this is not worth the `in` tests

Literals = frozenset[str]


def required(pattern: str, flags: int = 0) -> Literals | None:
    """The literals one of which every match contains, or None (see the module doc)."""
    try:
        tree = _p.parse(pattern, flags)
    except Exception:  # an invalid pattern is reported where it is compiled
        return None
    found = _sequence(list(tree))
    if found is None or not found or len(found) > MAX_ALTERNATIVES:
        return None
    return frozenset(found)


def may_match(literals: Literals | None, folded: str) -> bool:
    """Can a pattern with these required literals match the case-folded text?"""
    if literals is None:
        return True
    for literal in literals:  # noqa: SIM110 - a plain loop: it runs for every text and kind
        if literal in folded:
            return True
    return False


def _better(a: set[str] | None, b: set[str] | None) -> set[str] | None:
    """The more selective of two candidate sets: the one whose shortest literal is longest."""
    if a is None:
        return b
    if b is None:
        return a
    return a if min(map(len, a)) >= min(map(len, b)) else b


def _literal(code: int) -> str | None:
    ch = chr(code)
    if not ch.isascii():
        return None  # case folding outside ASCII is not worth the risk of a missed match
    return ch.casefold()


def _sequence(items: Iterable[tuple[Any, Any]]) -> set[str] | None:
    """A concatenation: its literal runs, and the required sets of its mandatory parts."""
    best: set[str] | None = None
    run = ""

    def close() -> None:
        nonlocal best, run
        if len(run) >= MIN_LITERAL:
            best = _better(best, {run})
        run = ""

    for op, arg in items:
        if op is _c.LITERAL:
            ch = _literal(int(arg))
            if ch is None:
                close()
            else:
                run += ch
            continue
        if op is _c.AT:  # \b, ^, $: zero width, the run goes on
            continue
        close()
        best = _better(best, _part(op, arg))
    close()
    return best


def _part(op: Any, arg: Any) -> set[str] | None:
    """The required set of one non-literal element, or None."""
    if op is _c.SUBPATTERN:
        return _sequence(list(arg[-1]))
    if op is _c.BRANCH:
        out: set[str] = set()
        for branch in arg[1]:
            found = _sequence(list(branch))
            if not found:
                return None  # a branch with no literal: the alternation guarantees none
            out |= found
        return out if len(out) <= MAX_ALTERNATIVES else None
    if op in (_c.MAX_REPEAT, _c.MIN_REPEAT, getattr(_c, "POSSESSIVE_REPEAT", None)):
        low, _high, body = arg
        return _sequence(list(body)) if low >= 1 else None
    if op is getattr(_c, "ATOMIC_GROUP", None):
        return _sequence(list(arg))
    return None  # a class, any character, a look-around, a back-reference: no literal
