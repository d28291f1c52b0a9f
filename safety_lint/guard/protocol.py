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


@record
class Question:
    id: str
    text: str
    pattern: re.Pattern[str]
    # Every match holds one of these (prefilter.required); None: none is known.
    literals: tuple[str, ...] | None


def _questions(by_name: dict[str, list[dict[str, Any]]]) -> dict[str, Question]:
    out: dict[str, Question] = {}
    for name, ids in (("four-questions", BATCH), ("three-questions", STANDARD)):
        listed = by_name[name]
        if len(listed) != len(ids):
            raise ValueError(f"rule {name}: expected {len(ids)} questions, found {len(listed)}")
        for qid, item in zip(ids, listed, strict=True):
            literals = item["literals"]
            out.setdefault(
                qid,
                Question(
                    qid,
                    item["text"],
                    lazy(item["pattern"], re.I),
                    None if literals is None else tuple(literals),
                ),
            )
    return out


@lru_cache(maxsize=1)
def _protocol() -> tuple[dict[str, Question], dict[str, list[tuple[str, int, int]]]]:
    """The questions by id, and what `asked` finds in each question's own text, as the rule
    pack says (worked out once, when the cache entry is built: a question put to the user
    with the question tool is usually that text, and then no pattern is compiled)."""
    path = os.path.join(bundled_rules(), "commands.yaml")

    def protocol_rules() -> dict[str, Any]:
        from ..prefilter import required  # here: only when the cache entry is built

        data = parse_yaml(path)
        names = ("four-questions", "three-questions")
        by_name: dict[str, list[dict[str, Any]]] = {}
        for rule in data.get("rules", []):
            if not isinstance(rule, dict) or rule.get("name") not in names:
                continue
            kept = by_name.setdefault(rule["name"], [])  # only the questions: the file is 25 KB
            for item in rule.get("options", {}).get("questions", []):
                pattern = str(item.get("pattern", ""))
                found = required(pattern, re.I)
                literals = sorted(found) if found is not None else None
                kept.append({"text": item["text"], "pattern": pattern, "literals": literals})
        qs = _questions(by_name)
        exact = {flat(q.text): [list(m) for m in _matches(flat(q.text), qs)] for q in qs.values()}
        return {"questions": by_name, "exact": exact}

    # This file is part of the key: an entry written by other code is not read.
    data = derived("protocol", [path], protocol_rules, code=[__file__])
    exact = {text: [(str(q), int(a), int(b)) for q, a, b in m] for text, m in data["exact"].items()}
    return _questions(data["questions"]), exact


def questions() -> dict[str, Question]:
    """Each protocol question by id, from the bundled rule pack."""
    return _protocol()[0]


def wording(batch: bool) -> list[str]:
    qs = questions()
    return [qs[q].text for q in (BATCH if batch else STANDARD)]


def numbered(batch: bool) -> str:
    return " ".join(f"{i}. {t}" for i, t in enumerate(wording(batch), 1))


# What a transcript's questions are flattened with: the marks that may sit inside a question
# (`**TEST**`, `` `PRODUCTION` ``) dropped, quotes and dashes made plain, white space
# collapsed. Plain string operations, not the linter's spec-5 `normalize`, whose patterns would
# be compiled before every Bash call. A question written with other markup inside it is not
# recognised, and the guard then asks: never a false allow.
_MARKUP = str.maketrans(
    {
        **dict.fromkeys("*`~\\\ufe0f"),
        **dict.fromkeys("\u2018\u2019\u2032", "'"),
        **dict.fromkeys("\u201c\u201d", '"'),
        **dict.fromkeys("\u2010\u2011\u2012\u2013\u2014\u2015\u2212", "-"),
    }
)


def flat(text: str) -> str:
    """A message's text as one line, for finding the protocol's questions in it."""
    return " ".join(text.translate(_MARKUP).split())


def may_ask(text: str) -> bool:
    """False when `text` cannot hold a protocol question: every one ends in `(y/n)` or is the
    token question. A cheap test before the text is normalised."""
    lowered = text.lower()
    return "y/n" in lowered or "to confirm" in lowered


def asked(text: str) -> list[tuple[str, int, int]]:
    """The protocol questions in `text`, in order of appearance: (id, start, end) in flat(text)."""
    norm = flat(text)
    qs, exact = _protocol()
    known = exact.get(norm)
    return list(known) if known is not None else _matches(norm, qs)


def _matches(norm: str, qs: dict[str, Question]) -> list[tuple[str, int, int]]:
    folded = norm.casefold()
    found: list[tuple[int, int, str]] = []
    for q in qs.values():
        # A question's pattern is compiled only where one of its literals is in the text.
        if q.literals is None or any(lit in folded for lit in q.literals):
            found += [(m.start(), m.end(), q.id) for m in q.pattern.finditer(norm)]
    found.sort()
    return [(qid, start, end) for start, end, qid in found]


def without_questions(text: str, found: list[tuple[str, int, int]]) -> str:
    """flat(text) with the questions `asked(text)` found removed (they name TEST and
    PRODUCTION)."""
    norm = flat(text)
    for _, start, end in reversed(found):
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
    words = "".join(c if "a" <= c <= "z" else " " for c in answer.lower()).split()
    # "Yes, I have" is a yes; "Yes, No" (two options ticked) and "yes, not yet" are not.
    return bool(words) and words[0] in YES and not any(w in NO for w in words)
