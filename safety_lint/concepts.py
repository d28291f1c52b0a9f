"""Statements judged by what they say: concepts matched within one sentence or list item.

A required statement is a few *concepts* ("stop", "immediately", "before any operation"), each
a list of phrasings in the rule pack (`rules/concepts.yaml`). A requirement is met by one unit of
the section — a sentence of a paragraph, or a list item read together with the line that
introduces it — in which every concept is *affirmed*. Polarity is decided per occurrence, inside
its clause: a negation cue before it ("do not cancel"), inside the gaps of a phrase
("confirmation is not mandatory") or right after it ("defense-in-depth is not needed") flips it.
A concept's `opposites` are phrasings that say the reverse ("proceed anyway"); a negated opposite
affirms the concept, which is how "NEVER proceed without confirmation" passes. A unit that holds
every concept of a requirement with at least one of them reversed is a contradiction.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache, cached_property, lru_cache
from typing import Any

from .prefilter import may_match
from .record import record, replace
from .units import Unit

_WORD = re.compile(r"[\w'-]+")
_REACH = 3  # words between a negation and what it negates ("do not display a production warning")
_AFTER_END = re.compile(r"[;.!?()\[\]]|\s[-\u2013\u2014]\s|\b(?:but|because|however)\b", re.I)
_LABEL_DENIED = re.compile(
    r"\W*:\s*(?:(?:is|are)\s+)?(?:not\s+(?:needed|required|necessary|mandatory|recommended)"
    r"|optional|unnecessary)",
    re.IGNORECASE,
)
_DETERMINER = re.compile(r"no", re.IGNORECASE)
_PREPOSITION = re.compile(r"\b(?:for|of|in|on|with|from|by|about)\b", re.IGNORECASE)
_AND = re.compile(r"\band\b", re.IGNORECASE)  # "never per dataset, and cancel": a new statement
_LIST = re.compile(r",|\b(?:or|nor)\b", re.IGNORECASE)
_LIST_REACH = 10
_MAX_HITS = 6  # occurrences of one phrase read in one unit
_GAP_CHARS = 60  # "..." in a phrase: up to this many characters of the same sentence
_MACRO = re.compile(r"\{([a-z][a-z0-9-]*)\}")
_HARD_BREAK = re.compile(
    r"[;:()\[\]]|[.!?](?=\s)|\s[-\u2013\u2014]\s|\u2014|\b(?:but|because|however|whereas|although|otherwise|instead)\b",
    re.IGNORECASE,
)
# A comma ends a clause only after a subordinate clause ("If the user does not confirm, cancel"):
# elsewhere it joins a list that one negation governs ("never deploy, load or delete data").
_SUBORDINATE = re.compile(
    r"\W*(?:if|when|whenever|once|after|before|unless|until|as soon as|even if|even when|"
    r"even though|because|since|although|though|while|in case|where)\b",
    re.IGNORECASE,
)


class ConceptError(ValueError):
    """A concept, phrase or lexicon entry of the rule pack that cannot be used."""


@dataclass(frozen=True, eq=False)
class Concept:
    """A concept's phrases as regular-expression sources, compiled the first time a unit is
    judged against it: a run compiles only the concepts of the rules its files meet (the
    pack has hundreds of phrases; compiling them all was most of a one-file run)."""

    name: str
    means: str
    phrases: tuple[str, ...]
    opposites: tuple[str, ...]
    sources: tuple[tuple[str, bool], ...]  # (regular expression, is an opposite)
    # Per source, the literals one of which every match holds (prefilter.py), or None.
    literals: tuple[frozenset[str] | None, ...] = ()

    @cached_property
    def any(self) -> re.Pattern[str]:
        """Every phrase and opposite at once: most units hold none of them."""
        joined = "|".join(re.sub(r"\(\?P<gap\d+>", "(?:", src) for src, _ in self.sources)
        return re.compile(joined, re.IGNORECASE)

    @cached_property
    def any_literals(self) -> frozenset[str] | None:
        if len(self.literals) != len(self.sources) or None in self.literals:
            return None
        return frozenset().union(*(x for x in self.literals if x is not None))


@cache
def _rx(source: str) -> re.Pattern[str]:
    return re.compile(source, re.IGNORECASE)


def source_literals(lex: Lexicon) -> dict[str, frozenset[str] | None]:
    """The prefilter of every phrase source of the concepts (worked out once, when the pack is
    loaded, and kept with it in the pack cache: deriving it parses every phrase)."""
    from .prefilter import required

    return {
        src: required(src, re.IGNORECASE) for c in lex.concepts.values() for src, _ in c.sources
    }


@dataclass(frozen=True, eq=False)
class Negation:
    before: re.Pattern[str]  # cues that negate what follows them in the clause
    after: re.Pattern[str]  # cues right after an occurrence ("is not needed", "optional")
    # A prohibition with a condition ("never deploy to production WITHOUT confirmation") forbids
    # the unconfirmed case only: what it names before the condition is not negated.
    restrict: tuple[re.Pattern[str], ...]
    # Words that end a cue's reach ("do not continue UNLESS the user confirms every check").
    scope_end: re.Pattern[str]


@dataclass(frozen=True, eq=False)
class Lexicon:
    concepts: dict[str, Concept]
    negation: Negation


def _alternation(entries: Sequence[str]) -> str:
    return "(?:" + "|".join(sorted(entries, key=len, reverse=True)) + ")"


def _expand(text: str, words: dict[str, list[str]], seen: tuple[str, ...] = ()) -> str:
    def one(m: re.Match[str]) -> str:
        name = m.group(1)
        if name not in words:
            raise ConceptError(f"unknown word list {{{name}}}")
        if name in seen:
            raise ConceptError(f"word list {{{name}}} refers to itself")
        return _alternation([_expand(w, words, (*seen, name)) for w in words[name]])

    return _MACRO.sub(one, text)


def _spaces(regex: str) -> str:
    """A space outside a character class matches white space or a hyphen; `X ?` makes it
    optional."""
    out, depth, i = [], 0, 0
    while i < len(regex):
        c = regex[i]
        if c == "\\":
            out.append(regex[i : i + 2])
            i += 2
            continue
        if c == "[":
            depth += 1
        elif c == "]" and depth:
            depth -= 1
        if c == " " and not depth:
            optional = regex[i + 1 : i + 2] == "?"
            out.append(r"[\s-]*" if optional else r"[\s-]+")
            i += 2 if optional else 1
            continue
        out.append(c)
        i += 1
    return "".join(out)


def phrase_source(phrase: str, words: dict[str, list[str]]) -> str:
    """`{list}` is any entry of a word list, ` ... ` a gap of a few words in the same sentence,
    a space matches a space or a hyphen; the rest is a case-insensitive regular expression."""
    pieces = []
    for n, piece in enumerate(phrase.split(" ... ")):
        if n:
            pieces.append(rf"(?P<gap{n}>[^\w-](?:[^;]{{0,{_GAP_CHARS}}}?[^\w-])?)")
        pieces.append(_spaces(_expand(piece.strip(), words)))
    return r"(?<![\w-])" + "".join(pieces) + r"(?![\w-])"


def compile_phrase(phrase: str, words: dict[str, list[str]]) -> re.Pattern[str]:
    try:
        return re.compile(phrase_source(phrase, words), re.IGNORECASE)
    except re.error as err:
        raise ConceptError(f"bad phrase {phrase!r}: {err}") from None


def build(
    words: dict[str, list[str]],
    raw: dict[str, Any],
    negation: dict[str, Any],
    validate: bool = False,
) -> Lexicon:
    """The pack's concepts; with `validate`, every phrase is compiled now and a problem raises
    ConceptError naming the concept (else phrases compile when first used)."""
    concepts = {}
    for name, spec in raw.items():
        try:
            phrases = tuple(spec.get("phrases") or ())
            opposites = tuple(spec.get("opposites") or ())
            if not phrases:
                raise ConceptError("has no phrases")
            if validate:
                for p in (*phrases, *opposites):
                    compile_phrase(p, words)
            sources = tuple((phrase_source(p, words), False) for p in phrases) + tuple(
                (phrase_source(p, words), True) for p in opposites
            )
        except ConceptError as err:
            raise ConceptError(f"concept '{name}': {err}") from None
        concepts[name] = Concept(name, str(spec.get("means") or name), phrases, opposites, sources)
    try:
        before = compile_phrase(_alternation(negation.get("before") or ["$^"]), words)
        after = re.compile(
            r"[^\w,]*(?:(?!(?:and|or|but|then|nor)\b)\w+[^\w,]+){0,4}?"
            + _expand(_alternation(negation.get("after") or ["$^"]), words)
            + r"(?!\w)",
            re.IGNORECASE,
        )
        restrict = tuple(compile_phrase(p, words) for p in negation.get("restrict") or ())
        scope_end = compile_phrase(_alternation(negation.get("scope-ends") or ["$^"]), words)
    except (ConceptError, re.error) as err:
        raise ConceptError(f"negation cues: {err}") from None
    return Lexicon(concepts, Negation(before, after, restrict, scope_end))


# --- polarity -------------------------------------------------------------------------------


@lru_cache(maxsize=4096)
def clause_cuts(text: str) -> tuple[int, ...]:
    """Offsets where a clause begins."""
    cuts = [0, *(m.end() for m in _HARD_BREAK.finditer(text))]
    for comma in (i for i, c in enumerate(text) if c == ","):
        start = max(c for c in cuts if c <= comma)
        if _SUBORDINATE.match(text, start):
            cuts.append(comma + 1)
    return tuple(sorted(set(cuts)))


def _clause(cuts: tuple[int, ...], pos: int) -> tuple[int, int]:
    start = max(c for c in cuts if c <= pos)
    later = [c for c in cuts if c > pos]
    return start, (later[0] if later else 1 << 30)


def negated(text: str, m: re.Match[str], neg: Negation, opposite: bool = False) -> bool:
    """An odd number of cues before the occurrence in its clause, in its gaps and right after it:
    "do not skip the questions" is affirmed, "do not cancel" negated."""
    cuts = clause_cuts(text)
    start, _ = _clause(cuts, m.start())
    _, end = _clause(cuts, max(m.end() - 1, m.start()))
    cues = 0
    if not any(r.search(text, m.end(), min(end, len(text))) for r in neg.restrict):
        # A phrase that opens with its own negation ("no step asks again") is not negated
        # again by the one before it ("no step switches ... and no step asks again").
        # A phrase that opens with "until" ("until the user replies") is the condition of a
        # prohibition before it, not negated by it; an opposite ("without confirmation") is.
        opens = neg.before.match(text, m.start()) or neg.scope_end.match(text, m.start())
        if opposite or not opens:
            spans = [c.span() for c in neg.before.finditer(text, start, m.start())]
            cues = _chain(text, spans, m.start(), neg)
        cues += sum(
            len(neg.before.findall(text[m.start(g) : m.end(g)]))
            for g in m.re.groupindex
            if g.startswith("gap") and m.start(g) >= 0
        )
    # A label may be denied past its colon ("DEFENSE-IN-DEPTH: not needed"), but only so.
    after = _AFTER_END.split(text[m.end() : m.end() + 80], maxsplit=1)[0]
    if neg.after.match(text[m.end() : end]) or _LABEL_DENIED.match(after):
        cues += 1
    return cues % 2 == 1


def _chain(text: str, spans: list[tuple[int, int]], at: int, neg: Negation) -> int:
    """Cues that act on the occurrence at `at`: the nearest one, when it is at most
    `_REACH` words away and nothing like "unless" stands between, and those right before it
    that stack on it ("do not skip"). In "never touches infrastructure and never writes data"
    one cue acts on "writes data", not two; in "no confirmation is needed for --dry-run" none
    acts on "--dry-run"."""
    if not spans:
        return 0
    start, end = spans[-1]
    between = text[end:at]
    # "No confirmation for --dry-run": the determiner's reach ends at its noun's preposition.
    if _DETERMINER.fullmatch(text[start:end]) and _PREPOSITION.search(between):
        return 0
    # A list ("never run cdk deploy, terraform apply or a data load") carries the cue further;
    # "and" starts another statement ("no infrastructure changes, and it may delete data").
    listed = _LIST.search(between) and not re.search(r"\band\b", between, re.IGNORECASE)
    reach = _LIST_REACH if listed else _REACH
    if len(_WORD.findall(between)) > reach or neg.scope_end.search(between) or _AND.search(between):
        return 0
    count = 1
    for s, e in reversed(spans[:-1]):
        if len(_WORD.findall(text[e:start])) > 1 or text[s:e].lower() == text[start:end].lower():
            break
        count, start, end = count + 1, s, e
    return count


@lru_cache(maxsize=16384)
def _occurrences(concept: Concept, neg: Negation, text: str) -> tuple[tuple[int, bool], ...]:
    """(clause start, affirms the concept) for every occurrence of a phrase or an opposite."""
    folded = text.casefold()
    if concept.any_literals is not None:
        if not may_match(concept.any_literals, folded):
            return ()
    elif concept.any.search(text) is None:  # no prefilter: one pass over every phrase at once
        return ()
    cuts = clause_cuts(text)
    found = []
    for n, (src, opposite) in enumerate(concept.sources):
        if n < len(concept.literals) and not may_match(concept.literals[n], folded):
            continue  # no literal this phrase needs is in the text: it cannot match
        pattern = _rx(src)
        pos, count = 0, 0
        # A sentence says a thing a few times at most; the cap bounds hostile repetitive text.
        while count < _MAX_HITS and (m := pattern.search(text, pos)) is not None:
            count += 1
            m = _tightest(m, neg)
            if _straddles(m, neg):
                pos = m.start() + 1
                continue
            affirms = negated(text, m, neg, opposite) == opposite
            found.append((_clause(cuts, m.start())[0], affirms, m.start(), m.end()))
            pos = m.end()
    # A reading that holds another one whole is the fuller reading of the same words:
    # "never proceed without confirmation" over its "without confirmation".
    kept = [
        (clause, affirms)
        for clause, affirms, start, end in found
        if not any(
            a != affirms
            and s <= start
            and end <= e
            and (s, e) != (start, end)
            and ":" not in text[s:e]  # not across a label: "not code-only: it also deploys"
            for _, a, s, e in found
        )
    ]
    return tuple(kept)


_COORDINATOR = re.compile(r"(?:,|\band|\bor|\bnor)\s*$", re.IGNORECASE)


def _straddles(m: re.Match[str], neg: Negation) -> bool:
    """A gap that holds a second, coordinated negation joins two statements ("makes no
    infrastructure changes and no data modifications"): no occurrence of either."""
    for g in m.re.groupindex:
        if g.startswith("gap") and m.start(g) >= 0:
            for cue in neg.before.finditer(m.string, m.start(g), m.end(g)):
                if _COORDINATOR.search(m.string, m.start(g), cue.start()):
                    return True
    return False


def _tightest(m: re.Match[str], neg: Negation) -> re.Match[str]:
    """The latest-starting match that ends where `m` ends: in "no infrastructure changes, and
    it may delete old test data" the data phrase is "delete old test data", not "changes ...
    data", so its polarity is read from the right verb. It never starts past a negation that
    the phrase holds itself ("not even for hotfixes")."""
    while (later := m.re.search(m.string, m.start() + 1)) is not None and later.end() <= m.end():
        if neg.before.search(m.string, m.start(), later.start()):
            break
        m = later
    return m


YES, OPPOSED, ABSENT = "yes", "opposed", "absent"


def status(lex: Lexicon, ref: str, text: str) -> str:
    """`ref` is a concept name, or `not NAME` for a concept the requirement wants negated
    ("not per-item": "never per dataset"). Within a clause a reversal wins over an affirmation."""
    want = not ref.startswith("not ")
    concept = lex.concepts[ref[4:] if not want else ref]
    clauses: dict[int, set[bool]] = {}
    for clause, affirms in _occurrences(concept, lex.negation, text):
        clauses.setdefault(clause, set()).add(affirms == want)
    cuts = clause_cuts(text)
    # A reversed label governs what it introduces: "NOT RECOMMENDED: run --dry-run first".
    if len(cuts) > 1 and text[cuts[1] - 1] == ":" and False in clauses.get(0, ()):
        return OPPOSED
    if any(v == {True} for v in clauses.values()):
        return YES
    return OPPOSED if clauses else ABSENT


def concept_of(lex: Lexicon, ref: str) -> Concept:
    return lex.concepts[ref[4:] if ref.startswith("not ") else ref]


@record
class Judgement:
    """How one unit stands against one requirement."""

    unit: Unit
    met: bool
    contradicts: bool  # every concept is there, at least one reversed
    score: int  # concepts present: how close the unit comes
    missing: tuple[str, ...]
    opposed: tuple[str, ...]
    present: tuple[bool, ...]  # per concept, in the requirement's order


def judge(lex: Lexicon, refs: Sequence[str], unit: Unit) -> Judgement:
    own = [status(lex, r, unit.text) for r in refs]
    present, missing, opposed = 0, [], []
    for ref, st in zip(refs, own, strict=True):
        if st == YES or (st == ABSENT and any(status(lex, ref, c) == YES for c in unit.context)):
            present += 1
        elif st == OPPOSED:
            present += 1
            opposed.append(ref)
        else:
            missing.append(ref)
    return Judgement(
        unit,
        met=not missing and not opposed,
        # Every concept there, one reversed, and (when there are several) one affirmed: a whole
        # statement of the opposite, not two reversed words that may be about something else.
        contradicts=bool(opposed) and ABSENT not in own and (len(refs) == 1 or YES in own),
        score=present,
        missing=tuple(missing),
        opposed=tuple(opposed),
        present=tuple(r not in missing for r in refs),
    )


@lru_cache(maxsize=8)
def lexicon(pack: Any) -> Lexicon:
    """The pack's concepts, compiled once per pack (phrases when first needed)."""
    lex = build(pack.words, pack.concepts, pack.negation)
    known: dict[str, frozenset[str] | None] = getattr(pack, "prefilters", {}) or {}
    for name, c in lex.concepts.items():
        if all(src in known for src, _ in c.sources):
            lex.concepts[name] = replace(c, literals=tuple(known[src] for src, _ in c.sources))
    return lex


# --- the rule pack's concepts: merged from every pack, checked once ------------------------


def merge(
    r: Any,
    data: Any,
    words: dict[str, list[str]],
    concepts: dict[str, dict[str, Any]],
    negation: dict[str, list[str]],
) -> None:
    """A later pack extends what an earlier one says: more words, more phrasings, more cues."""
    for name in data.get("words") or {}:
        words.setdefault(str(name), []).extend(r.strings(data["words"], name))
    for name, spec in (data.get("concepts") or {}).items():
        r.keys(spec, ("means", "phrases", "opposites"), (), f"concept '{name}'")
        entry = concepts.setdefault(str(name), {"means": str(name), "phrases": [], "opposites": []})
        if "means" in spec:
            entry["means"] = r.string(spec, "means")
        entry["phrases"] = [*entry["phrases"], *r.strings(spec, "phrases")]
        entry["opposites"] = [*entry["opposites"], *r.strings(spec, "opposites")]
    if "negation" in data:
        keys = ("before", "after", "restrict", "scope-ends")
        r.keys(data["negation"], keys, (), "'negation'")
        for key in keys:
            negation.setdefault(key, []).extend(r.strings(data["negation"], key))


def check_pack(pack: Any) -> Lexicon:
    """Every concept a rule names exists and every phrase compiles (else RulePackError); the
    validated concepts."""
    import difflib

    from .rulepack import RulePackError

    try:
        lex = build(pack.words, pack.concepts, pack.negation, validate=True)
    except ConceptError as err:
        raise RulePackError(f"rule pack: {err}") from None
    for rule in pack.rules:
        for part in rule.parts:
            for ref in part.concepts:
                name = ref[4:] if ref.startswith("not ") else ref
                if name not in lex.concepts:
                    close = difflib.get_close_matches(name, list(lex.concepts), n=1)
                    hint = f"; did you mean '{close[0]}'?" if close else ""
                    raise RulePackError(
                        f"{rule.source}: rule {rule.code} names unknown concept '{name}'{hint}"
                    )
    return lex
