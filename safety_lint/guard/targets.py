"""Which environment a confirmation was for, and when the conversation moved to another one.

A target is compared by its name parts (`gke_acme_prod` -> {gke, acme, prod}) with every
production word read as `prod`: `prod` and `gke_acme_prod` are the same target (one names a
subset of the other), `prod-eu` and `prod-us` are not."""

from __future__ import annotations

from ..lazyre import lazy
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
_WORD = lazy(r"[A-Za-z0-9][A-Za-z0-9_.:/@-]*")
# `--environment=prod`, `env: staging`, `ENVIRONMENT=test`, `target prod`, `-e prod` is too
# ambiguous and is not read.
# Case-insensitive in the names only: under re.I every character class is case-folded over
# all of Unicode, which made this the costliest pattern the hook compiles.
_EXPLICIT = lazy(
    r"(?i:--?(?:environment|env|stage|target|context|kube-context|profile|project|workspace)"
    r"|\b(?:environment|env|stage|target|kubecontext|aws_profile))"
    r"(?:\s*[=:]\s*|\s+)[\"'`]?([A-Za-z0-9][A-Za-z0-9_.:/@-]*)"
)


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
    found = {key(m.group(1), patterns) for m in _EXPLICIT.finditer(text)}
    if words:
        for w in _WORD.findall(text):
            k = key(w, patterns)
            if PRODUCTION in k or (len(k) == 1 and next(iter(k)) in OTHER_ENVIRONMENTS.values()):
                found.add(k)
    return {k for k in found if k and is_environment(k)}
