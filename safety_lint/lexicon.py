"""Plain-language steps: verb + object + target found with per-language lexicons
(`rules/lexicons.yaml`, data).

"Разверни сервис в production", "Deploy the service to production", "本番環境にデプロイする"
all give verb `deploy`, target `production`. A sentence that describes the file's own
confirmation gate for state changes ("explicit confirmation for state-changing operations:
delete pod, scale, apply manifests") is a category of its own (`match_gates`): a file that
describes such a gate is telling you it makes such changes.

Whether a step is instructed, described, prohibited or conditional is the modality layer's
question (classify); this module gives the raw facts. Light imports only.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from functools import cache, cached_property, lru_cache
from pathlib import Path

from safety_lint.catalogue import CatalogueError, Effect
from safety_lint.record import record

# Words a lexicon phrase may skip between its parts (`stelle … bereit`).
GAP_WORDS = 6
# Characters of one text that are searched; a step is a sentence, not a book.
MAX_CHARS = 20_000
LOCAL_TARGETS = frozenset({"local", "development", "test"})


@record
class StepMatch:
    language: str
    verb: str
    object: str | None
    target: str | None
    effect: Effect
    start: int
    end: int


@record
class GateMatch:
    """A sentence that describes a confirmation gate before state changes."""

    language: str
    phrase: str  # the text that matched
    start: int
    end: int


@record
class _Category:
    """Compiled phrases of one category, indexed by the first letters of their first word:
    a sentence is looked at word by word, and only the phrases that can start at a word are
    tried (one big alternation of every phrase is twenty times slower)."""

    spaced: bool
    phrases: tuple[tuple[str, str, str], ...]  # (id, regular expression, key)
    index: Mapping[str, tuple[int, ...]]  # key -> phrase numbers (spaced languages)
    ascii: bool = True  # some phrase starts with ASCII: an ASCII text may hold one


@record
class Language:
    code: str
    verbs: _Category
    objects: _Category
    targets: _Category
    gates: _Category
    non_targets: _Category
    counts: Mapping[str, int]  # phrases per category, for documentation and reports


@record
class Lexicons:
    languages: tuple[Language, ...]
    verbs: tuple[str, ...]
    objects: tuple[str, ...]
    targets: tuple[str, ...]
    weak_verbs: frozenset[str] = frozenset()

    @cached_property
    def combined(self) -> dict[str, dict[str, tuple[tuple[int, int], ...]]]:
        """Per category (`verbs`, `objects`, ...), the index of every word-spaced language at
        once: key -> (language number, phrase number). One pass over a text's words serves
        all of them instead of one per language."""
        out: dict[str, dict[str, list[tuple[int, int]]]] = {}
        for attr in CATEGORY_ATTRS:
            index: dict[str, list[tuple[int, int]]] = out.setdefault(attr, {})
            for i, lang in enumerate(self.languages):
                category: _Category = getattr(lang, attr)
                if category.spaced:
                    for key, numbers in category.index.items():
                        index.setdefault(key, []).extend((i, n) for n in numbers)
        return {a: {k: tuple(v) for k, v in idx.items()} for a, idx in out.items()}


CATEGORY_ATTRS = ("verbs", "objects", "targets", "gates", "non_targets")


def _phrase(entry: str, spaced: bool) -> str:
    """A lexicon phrase to a regular expression: words separated by white space, `*` at the
    end of a word for any ending, `…` (or `...`) for a gap of a few words."""
    parts = []
    for chunk in re.split(r"\s*(?:…|\.\.\.)\s*", entry.strip()):
        words = []
        for word in chunk.split():
            star = word.endswith("*")
            body = re.escape(word.rstrip("*"))
            words.append(body + (r"\w*" if star else ""))
        parts.append(r"\s*".join(words) if not spaced else r"\s+".join(words))
    gap = rf"(?:\W+\w+){{0,{GAP_WORDS}}}?\W+" if spaced else r".{0,12}?"
    body = gap.join(parts)
    if spaced:
        return r"(?<!\w)" + body + r"(?!\w)"
    return body


_WORD = re.compile(r"\w+")
KEY = 3  # letters of a phrase's first word that index it


def _key(entry: str) -> str:
    first = entry.strip().split()[0] if entry.strip() else ""
    return first.rstrip("*").lower()[:KEY]


def compile_category(entries: Mapping[str, Sequence[str]], spaced: bool) -> _Category:
    phrases = []
    index: dict[str, list[int]] = {}
    for cid, values in entries.items():
        for entry in values:
            key = _key(entry)
            if not key:
                continue
            phrases.append((cid, _phrase(entry, spaced), key))
            index.setdefault(key, []).append(len(phrases) - 1)
    return _Category(
        spaced,
        tuple(phrases),
        {k: tuple(v) for k, v in index.items()},
        any(key.isascii() for key in index),
    )


@cache
def _compiled(pattern: str) -> re.Pattern[str]:
    """A phrase compiled when a text first has a word it may start at: loading the lexicons
    compiles nothing (a thousand phrases), matching compiles only what it meets."""
    return re.compile(pattern, re.IGNORECASE)


Words = Mapping[str, list[int]]  # index key -> the starts of the words that have it


@lru_cache(maxsize=64)  # the steps and the gates of one sentence are looked for in turn
def _words(text: str) -> Words:
    """For each key of the index (a word's first 1..KEY letters, lower-case), the starts of the
    words that have it: computed once per text, shared by every language and category."""
    out: dict[str, list[int]] = {}
    for word in _WORD.finditer(text):
        lowered = word.group(0)[:KEY].lower()
        for size in range(1, len(lowered) + 1):
            out.setdefault(lowered[:size], []).append(word.start())
    return out


def _found_unspaced(category: _Category, text: str) -> list[tuple[str, int, int]]:
    """(id, start, end) of each phrase of a language written without spaces (Chinese,
    Japanese): no word index, a literal key test before each phrase's pattern."""
    hits: list[tuple[int, int, str]] = []
    if category.ascii or not text.isascii():
        lowered = text.lower()
        for cid, pattern, key in category.phrases:
            if key in lowered:
                hits.extend((m.start(), m.end(), cid) for m in _compiled(pattern).finditer(text))
    return _resolved(hits)


def _found_each(
    lexicons: Lexicons, attr: str, text: str, words: Words
) -> list[list[tuple[str, int, int]]]:
    """(id, start, end) of each phrase of the category `attr` (`verbs`, `objects`, ...), per
    language in the order of the languages: the word-spaced languages in one pass over the
    text's words (only the index keys both have), each language's matches resolved alone."""
    languages = lexicons.languages
    combined = lexicons.combined[attr]
    hits: list[list[tuple[int, int, str]]] = [[] for _ in languages]
    for key in combined.keys() & words.keys():
        starts = words[key]
        for i, n in combined[key]:
            cid, pattern, _ = getattr(languages[i], attr).phrases[n]
            rx = _compiled(pattern)
            for start in starts:
                match = rx.match(text, start)
                if match:
                    hits[i].append((match.start(), match.end(), cid))
    out = []
    for i, lang in enumerate(languages):
        category: _Category = getattr(lang, attr)
        out.append(_resolved(hits[i]) if category.spaced else _found_unspaced(category, text))
    return out


def _resolved(hits: list[tuple[int, int, str]]) -> list[tuple[str, int, int]]:
    """At one place the longest phrase wins, and matches do not overlap."""
    hits.sort(key=lambda h: (h[0], h[0] - h[1], h[2]))
    out: list[tuple[str, int, int]] = []
    end = -1
    for start, stop, cid in hits:
        if start >= end and stop > start:
            out.append((cid, start, stop))
            end = stop
    return out


# Sentence ends: ASCII and the full-width marks of Chinese and Japanese (escaped).
_SENTENCE_END = re.compile(r"[.!?;\n]\s|[\u3002\uff01\uff1f\n]")


def _sentence(text: str, start: int, end: int) -> tuple[int, int]:
    """The span of the sentence around [start, end)."""
    left = 0
    for match in _SENTENCE_END.finditer(text, 0, start):
        left = match.end()
    right = _SENTENCE_END.search(text, end)
    return left, right.start() + 1 if right else len(text)


def match_steps(sentence: str, lexicons: Lexicons) -> list[StepMatch]:
    """Every verb of the lexicons in `sentence`, with the object and target named in the same
    sentence. `mutating` for a verb with a live object or a target that is not local,
    `unknown-mutating` for a bare verb (`unknown` for a bare weak verb: "remove", "stop").
    Sorted by position."""
    text = sentence[:MAX_CHARS]
    out: list[StepMatch] = []
    words = _words(text)
    verbs_each = _found_each(lexicons, "verbs", text, words)
    found = list(zip(lexicons.languages, verbs_each, strict=True))
    if not any(verbs for _, verbs in found):
        return out
    # Objects and targets of any language: prose mixes them ("задеплой service в prod").
    objects = [h for hits in _found_each(lexicons, "objects", text, words) for h in hits]
    masks = [h for hits in _found_each(lexicons, "non_targets", text, words) for h in hits]
    targets = [
        (cid, s, e)
        for hits in _found_each(lexicons, "targets", text, words)
        for cid, s, e in hits
        if not any(ms <= s and e <= me for _, ms, me in masks)  # "production-ready code"
    ]
    # "环境" inside "生产环境" is the target, not an object of its own; "release" inside
    # "release branch" is a topic word, no object.
    objects = [
        (cid, s, e)
        for cid, s, e in objects
        if not any(ts <= s and e <= te for _, ts, te in targets)
        and not any(ms <= s and e <= me for _, ms, me in masks)
    ]
    for language, verbs in found:
        for verb, start, end in verbs:
            left, right = _sentence(text, start, end)
            # The verb's first word is no object ("deployments to production"); an object in
            # the gap of a separable verb is ("rolle den Dienst … aus").
            obj = _nearest([o for o in objects if not o[1] <= start < o[2]], start, left, right)
            target = _nearest(targets, start, left, right)
            live = obj is not None or (target is not None and target not in LOCAL_TARGETS)
            effect: Effect = (
                "mutating"
                if live and target not in LOCAL_TARGETS
                else ("unknown" if verb in lexicons.weak_verbs and not live else "unknown-mutating")
            )
            out.append(StepMatch(language.code, verb, obj, target, effect, start, end))
    out.sort(key=lambda m: (m.start, m.language))
    return _dedupe(out)


def _nearest(found: list[tuple[str, int, int]], at: int, left: int, right: int) -> str | None:
    inside = [(abs(s - at), cid) for cid, s, e in found if left <= s and e <= right]
    return min(inside)[1] if inside else None


def _dedupe(matches: list[StepMatch]) -> list[StepMatch]:
    """One match per span: a word in two lexicons ("deploy" in en and de) counts once."""
    out: list[StepMatch] = []
    for match in matches:
        if out and out[-1].start == match.start and out[-1].verb == match.verb:
            continue
        out.append(match)
    return out


def match_gates(sentence: str, lexicons: Lexicons) -> list[GateMatch]:
    """Phrases that describe a confirmation gate before state changes."""
    text = sentence[:MAX_CHARS]
    out: list[GateMatch] = []
    words = _words(text)
    gates_each = _found_each(lexicons, "gates", text, words)
    for language, hits in zip(lexicons.languages, gates_each, strict=True):
        for _, start, end in hits:
            out.append(GateMatch(language.code, text[start:end], start, end))
    out.sort(key=lambda m: (m.start, m.language))
    return out


def load_lexicons(
    documents: Sequence[Mapping[str, object]], sources: Sequence[str] = ()
) -> Lexicons:
    """Built-in first, then team documents that add phrases (to a verb, object, target or
    language) or new verb/object/target ids. Raises CatalogueError with file and line."""
    from safety_lint.lexicon_schema import build

    return build(documents, sources)


@lru_cache(maxsize=1)
def default_lexicons() -> Lexicons:
    """The built-in lexicons shipped in the wheel (`rules/lexicons.yaml`)."""
    from safety_lint.catalogue_schema import read_documents

    return read_documents("lexicons", (), load_lexicons)


def lexicons_for(folders: Sequence[Path]) -> Lexicons:
    """The built-in lexicons plus the `lexicons` documents of a team's rule folders."""
    from safety_lint.catalogue_schema import read_documents

    return read_documents("lexicons", folders, load_lexicons)


__all__ = [
    "CatalogueError",
    "GateMatch",
    "Language",
    "Lexicons",
    "StepMatch",
    "default_lexicons",
    "lexicons_for",
    "load_lexicons",
    "match_gates",
    "match_steps",
]
