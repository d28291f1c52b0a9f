"""The modality layer: is a found action something the model is told to do?

One shared scope for every layer (commands in code, inline code, plain-language steps): a
match is `instructed`, `conditional` (instructed under a condition: still done), `prohibited`
(after a negation in its sentence, under a what-not-to-do heading or lead-in), `described`
(the object of a writing or explaining verb, a when-to-use list, another agent's work),
`generated-file` (inside a file the model writes) or `handed-to-user` (the user is told to run
it). Only `instructed` and `conditional` decide a class; the others are still reported.
The word lists are data in `rules/classification.yaml` (`modality`).
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Callable, Mapping, Sequence

from .record import record

MODALITIES = (
    "instructed",
    "conditional",
    "prohibited",
    "described",
    "generated-file",
    "handed-to-user",
)
COUNTED = frozenset({"instructed", "conditional"})

NEAR = 200  # a negation or condition further away than this is not about the match
_SENTENCE_END = re.compile(r"[.;!?](\s|$)")
_SENTENCE_SPLIT = re.compile(r"[.!?]\s+")


@record
class Scope:
    """The compiled word lists of the modality layer."""

    negation: re.Pattern[str]
    conditional: re.Pattern[str]
    described: re.Pattern[str]
    handed: re.Pattern[str]
    negated_headings: re.Pattern[str]
    described_headings: re.Pattern[str]
    others_headings: re.Pattern[str]
    others_line: re.Pattern[str]


def compile_scope(raw: Mapping[str, str], expand: Callable[[str], re.Pattern[str]]) -> Scope:
    """`raw`: the `modality` mapping of the rule pack; `expand`: pattern -> compiled pattern."""
    return Scope(**{key.replace("-", "_"): expand(raw[key]) for key in KEYS})


KEYS = (
    "negation",
    "conditional",
    "described",
    "handed",
    "negated-headings",
    "described-headings",
    "others-headings",
    "others-line",
)


def sentence_ends(text: str) -> list[int]:
    """Offsets just after each sentence end (`.`, `;`, `!`, `?` before a space or the end)."""
    return [m.start() + 1 for m in _SENTENCE_END.finditer(text)]


def sentences(text: str) -> list[str]:
    """`text` cut at its sentence ends (sentence_ends)."""
    cuts = [0, *sentence_ends(text)]
    return [text[a:b] for a, b in zip(cuts, [*cuts[1:], len(text)], strict=True) if text[a:b]]


def at(text: str, pos: int, scope: Scope, ends: Sequence[int] | None = None) -> str:
    """The modality of a match starting at `pos`, from the words before it in its sentence.

    "Never run `kubectl apply`" is prohibited; "never deploy without confirmation" is
    conditional (a condition, not a prohibition); "Document how to deploy" is described;
    "Ask the user to run `terraform apply`" is handed to the user."""
    if ends is None:
        ends = sentence_ends(text)
    i = bisect_right(ends, pos)
    start = max(ends[i - 1] if i else 0, pos - NEAR)
    stop = min(ends[i] if i < len(ends) else len(text), pos + NEAR)
    condition = scope.conditional.search(text, start, stop)
    if scope.negation.search(text, start, pos):
        return "conditional" if condition else "prohibited"
    if scope.handed.search(text, start, pos):
        return "handed-to-user"
    if scope.described.search(text, start, pos):
        return "described"
    return "conditional" if condition else "instructed"


def lead(text: str, scope: Scope) -> str:
    """The modality a lead-in gives what follows it (a list, a code block). Only its last
    sentence introduces what follows: "Never commit secrets. Run:" is instructed."""
    last = _SENTENCE_SPLIT.split(text.strip())[-1]
    if scope.negation.search(last) and not scope.conditional.search(last):
        return "prohibited"
    if scope.handed.search(last):
        return "handed-to-user"
    return "instructed"


def heading(text: str, scope: Scope) -> str:
    """The modality a heading gives its whole section."""
    if scope.negated_headings.search(text):
        return "prohibited"
    if scope.others_headings.search(text) or scope.described_headings.search(text):
        return "described"
    return "instructed"
