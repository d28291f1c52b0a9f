"""The confirmation protocols (spec 5.1 and 5.2) as the rule pack words them, and how a reply
answers them.

The questions come from the pack's `three-questions` and `four-questions` rules (the same text
and patterns the linter checks documents against), read through the JSON cache."""

from __future__ import annotations

import os
import re
from functools import lru_cache

from ..lazyre import lazy
from ..record import record
from .cache import bundled_rules, derived, parse_yaml

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

VALIDATED, AFFECTS, IMPACT, TOKEN = "validated", "affects", "impact", "token"
STANDARD = (VALIDATED, AFFECTS, TOKEN)
BATCH = (VALIDATED, AFFECTS, IMPACT, TOKEN)
TOKEN_WORD = "PRODUCTION"  # typed exactly, case-sensitive (spec 5)
YES = ("y", "yes")
NO = ("n", "no", "not", "nope")

_LEAD = lazy(r"^\s*(?:[-*+>]|\(?\d{1,2}[.):]|q\d{1,2}[.):]?)\s*", re.I)
_WORDS = lazy(r"[a-z]+")


@record
class Question:
    id: str
    text: str
    pattern: re.Pattern[str]


@lru_cache(maxsize=1)
def questions() -> dict[str, Question]:
    """Each protocol question by id, from the bundled rule pack."""
    path = os.path.join(bundled_rules(), "commands.yaml")

    def protocol_rules() -> list[Any]:  # only these are kept: the file is 25 KB of rules
        data = parse_yaml(path)
        names = ("four-questions", "three-questions")
        return [r for r in data.get("rules", []) if isinstance(r, dict) and r.get("name") in names]

    rules = derived("protocol", [path], protocol_rules)
    by_name = {r.get("name"): r for r in rules}
    out: dict[str, Question] = {}
    for name, ids in (("four-questions", BATCH), ("three-questions", STANDARD)):
        listed = by_name[name]["options"]["questions"]
        if len(listed) != len(ids):
            raise ValueError(f"rule {name}: expected {len(ids)} questions, found {len(listed)}")
        for qid, item in zip(ids, listed, strict=True):
            out.setdefault(qid, Question(qid, item["text"], lazy(item["pattern"], re.I)))
    return out


def wording(batch: bool) -> list[str]:
    qs = questions()
    return [qs[q].text for q in (BATCH if batch else STANDARD)]


def numbered(batch: bool) -> str:
    return " ".join(f"{i}. {t}" for i, t in enumerate(wording(batch), 1))


def flat(text: str) -> str:
    """Normalised text of a message (spec 5 normalisation applied line by line)."""
    from ..text import normalize  # only for a transcript's questions: it compiles patterns

    return " ".join(n for n in (normalize(line) for line in text.splitlines()) if n)


def may_ask(text: str) -> bool:
    """False when `text` cannot hold a protocol question: every one ends in `(y/n)` or is the
    token question. A cheap test before the text is normalised."""
    lowered = text.lower()
    return "y/n" in lowered or "to confirm" in lowered


def asked(text: str) -> list[tuple[str, int, int]]:
    """The protocol questions in `text`, in order of appearance: (id, start, end) in flat(text)."""
    norm = flat(text)
    found: list[tuple[int, int, str]] = []
    for q in questions().values():
        found += [(m.start(), m.end(), q.id) for m in q.pattern.finditer(norm)]
    found.sort()
    return [(qid, start, end) for start, end, qid in found]


def without_questions(text: str) -> str:
    """The message with the protocol's own words removed (they name TEST and PRODUCTION)."""
    norm = flat(text)
    for _, start, end in reversed(asked(text)):
        norm = norm[:start] + " " + norm[end:]
    return norm


def _clean(part: str) -> str:
    return _LEAD.sub("", part.strip()).strip()


def split_reply(text: str, count: int) -> list[str] | None:
    """A user reply cut into `count` answers, or None when it cannot be read as that many."""
    if count == 1:
        return [_clean(text)]
    for separator in (r"\n+", r"\s*[,;]\s*|\n+", r"\s+"):
        parts = [_clean(p) for p in re.split(separator, text.strip()) if p and _clean(p)]
        if len(parts) == count:
            return parts
    return None


def accepted(qid: str, answer: str) -> bool:
    """A yes for a y/n question; the token exactly for the last one."""
    if qid == TOKEN:
        return answer.strip() == TOKEN_WORD
    words = _WORDS.findall(answer.lower())
    # "Yes, I have" is a yes; "Yes, No" (two options ticked) and "yes, not yet" are not.
    return bool(words) and words[0] in YES and not any(w in NO for w in words)
