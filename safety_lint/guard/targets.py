"""Which environment a confirmation was for, and when the conversation moved to another one.

A target is compared by its name parts (`gke_acme_prod` -> {gke, acme, prod}) with every
production word read as `prod`: `prod` and `gke_acme_prod` are the same target (one names a
subset of the other), `prod-eu` and `prod-us` are not."""

from __future__ import annotations

from ..targets import name_parts

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence

Key = frozenset[str]
PRODUCTION = "prod"
# Names of environments that are not production: a reply naming one moves the target away.
OTHER_ENVIRONMENTS = {
    "test": "test",
    "testing": "test",
    "staging": "staging",
    "stage": "staging",
    "stg": "staging",
    "dev": "dev",
    "development": "dev",
    "qa": "qa",
    "uat": "uat",
    "sandbox": "sandbox",
    "preview": "preview",
}
# `--environment=prod`, `env: staging`, `ENVIRONMENT=test`, `target prod`: a name (any case),
# `=`, `:` or white space, an optional quote, the value. The names after `-` or `--`, and those
# that may stand alone (after a non-word character). `-e prod` is too ambiguous to be read.
_DASHED = (
    "environment",
    "env",
    "stage",
    "target",
    "context",
    "kube-context",
    "profile",
    "project",
    "workspace",
)
_BARE = ("environment", "env", "stage", "target", "kubecontext", "aws_profile")
# The names no other name is inside of (`env` for `environment`): a text holding none of them
# names no environment this way, and most texts hold none.
_ROOTS = tuple(
    sorted({n for n in _DASHED + _BARE if not any(o != n and o in n for o in _BARE + _DASHED)})
)
_VALUE_START = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789")
_VALUE_REST = _VALUE_START | frozenset("_.:/@-")
# Bytes outside a value's characters as spaces (non-ASCII characters are encoded as `?`).
_VALUE_BYTES = bytes(c if chr(c) in _VALUE_REST else 32 for c in range(256))


def value_words(text: str) -> list[str]:
    """Every run of a value's characters that starts with a letter or digit."""
    runs = text.encode("ascii", "replace").translate(_VALUE_BYTES).decode("ascii").split()
    return [word for run in runs if (word := run.lstrip("_.:/@-"))]


def _value_after(text: str, at: int) -> tuple[int, int] | None:
    """Where the value after a name ending at `at` is: `=`/`:` with optional white space, or
    white space alone, then an optional quote, then the value."""
    end = len(text)
    i = at
    while i < end and text[i].isspace():
        i += 1
    if i < end and text[i] in "=:":
        i += 1
        while i < end and text[i].isspace():
            i += 1
    elif i == at:
        return None
    if i < end and text[i] in "\"'`":
        i += 1
    if i >= end or text[i] not in _VALUE_START:
        return None
    j = i + 1
    while j < end and text[j] in _VALUE_REST:
        j += 1
    return i, j


def _match_start(text: str, at: int, dashed: bool) -> int | None:
    """Where a match of the name at `at` starts: at its `--` or `-` for a dashed name; at the
    name itself for a bare one after a non-word character (a word boundary)."""
    if dashed:
        if at >= 2 and text.startswith("--", at - 2):
            return at - 2
        return at - 1 if at >= 1 and text[at - 1] == "-" else None
    before = text[at - 1] if at else " "
    return None if before.isalnum() or before == "_" else at


def explicit_values(text: str) -> list[str]:
    """The values `text` names with an environment option or key, left to right, none
    overlapping another. String methods, not a pattern: this one was the costliest pattern the
    hook compiled, and it compiled it before nearly every confirmed call."""
    folded = text.casefold()
    if len(folded) != len(text):  # a character that folds to several (`ß`): none is in a name
        folded = "".join(c.casefold() if len(c.casefold()) == 1 else "\0" for c in text)
    if not any(root in folded for root in _ROOTS):
        return []
    found: list[tuple[int, int, int]] = []  # (start of the match, value start, value end)
    for names, dashed in ((_DASHED, True), (_BARE, False)):
        for name in names:
            at = folded.find(name)
            while at >= 0:
                start = _match_start(text, at, dashed)
                value = _value_after(text, at + len(name)) if start is not None else None
                if start is not None and value is not None:
                    found.append((start, *value))
                at = folded.find(name, at + 1)
    out: list[str] = []
    reached = 0
    for start, value_start, value_end in sorted(found):
        if start >= reached:
            out.append(text[value_start:value_end])
            reached = value_end
    return out


def key(value: str, patterns: Sequence[str]) -> Key:
    parts = set()
    for part in name_parts(value):  # the parts the action layer's is_production reads
        if part in patterns:
            parts.add(PRODUCTION)
        else:
            parts.add(OTHER_ENVIRONMENTS.get(part, part))
    return frozenset(parts)


def is_environment(k: Key) -> bool:
    return PRODUCTION in k or any(p in OTHER_ENVIRONMENTS.values() for p in k)


def same(a: Key, b: Key) -> bool:
    return bool(a) and bool(b) and (a <= b or b <= a)


def covers(confirmed: Iterable[Key], wanted: Iterable[Key]) -> bool:
    """Every wanted target is one of the confirmed ones."""
    confirmed = list(confirmed)
    return all(any(same(c, w) for c in confirmed) for w in wanted)


def touches(confirmed: Iterable[Key], mentioned: Iterable[Key]) -> bool:
    """Some mentioned target is one of the confirmed ones (the conversation stayed there)."""
    confirmed = list(confirmed)
    return any(same(c, m) for c in confirmed for m in mentioned)


def mentions(text: str, patterns: Sequence[str], words: bool) -> set[Key]:
    """Environments `text` names: explicit `--environment=X`-style values, and with `words`
    every word that is an environment name (`prod`, `acme-prd`, `staging`)."""
    found = {key(value, patterns) for value in explicit_values(text)}
    if words:
        for w in value_words(text):
            k = key(w, patterns)
            if PRODUCTION in k or (len(k) == 1 and next(iter(k)) in OTHER_ENVIRONMENTS.values()):
                found.add(k)
    return {k for k in found if k and is_environment(k)}
