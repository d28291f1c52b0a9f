"""Literal prefilters: the words every match of a pattern contains. A prefilter that says
"cannot match" where the regex matches would hide evidence, so that is what these test."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from conftest import CORPUS, FIXTURES

from safety_lint.classify import settings, sources_of
from safety_lint.model import Target
from safety_lint.parse import parse_text
from safety_lint.prefilter import may_match, required
from safety_lint.rulepack import default_pack


@pytest.mark.parametrize(
    ("pattern", "literals"),
    [
        (r"kubectl\s+apply", {"kubectl"}),  # the longer of two mandatory words
        (r"(foo|bar)baz", {"foo", "bar"}),
        (r"a?bcd", {"bcd"}),
        (r"\b(deploy|release)s?\b", {"deploy", "release"}),
        (r"--ENV\b", {"--env"}),  # case-folded, as the text is
        (r"x*", None),  # can match the empty string
        (r"(deploy|\w+ing)", {"deploy", "ing"}),
        (r"(deploy|\w+)", None),  # one branch has no literal
        (r"(?=prod)\w+", None),  # a look-ahead guarantees nothing here
        (r"ab", None),  # too short to skip anything
        (r"déployer", {"ployer"}),  # a letter outside ASCII ends a literal (its folding is
        # the regex's business)
    ],
)
def test_required_literals(pattern: str, literals: set[str] | None) -> None:
    found = required(pattern, re.IGNORECASE)
    assert (set(found) if found is not None else None) == literals


@pytest.mark.parametrize(
    ("pattern", "text", "matches"),
    [
        (r"kubectl\s+apply", "Run KUBECTL   apply -f x", True),
        (r"kubectl\s+apply", "run kubectl get pods", False),
        (r"(foo|bar)baz", "xBARBAZx", True),
        (r"\bterraform\s+(apply|destroy)\b", "then `terraform destroy`", True),
    ],
)
def test_a_prefilter_never_hides_a_match(pattern: str, text: str, matches: bool) -> None:
    rx = re.compile(pattern, re.IGNORECASE)
    assert bool(rx.search(text)) is matches
    if matches:
        assert may_match(required(pattern, re.IGNORECASE), text.casefold())


def _markdown_files() -> list[Path]:
    files = sorted(FIXTURES.rglob("*.md"))
    if CORPUS.is_dir():
        files += sorted(CORPUS.glob("*/.claude/**/*.md"))[::7]  # a seventh of the corpus
    return files


def test_no_evidence_kind_is_skipped_where_its_pattern_matches() -> None:
    pack = default_pack()
    s = settings(pack)
    assert sum(k.literals is not None for k in s.evidence) >= len(s.evidence) // 2
    for path in _markdown_files():
        kind = "agent" if "/agents/" in path.as_posix() else "command"
        doc = parse_text(Target(path, path.name, kind), path.read_text(errors="replace"))
        for src in sources_of(doc, s, pack):
            folded = src.text.casefold()
            for k in s.by_source.get(src.kind, ()):
                if k.pattern.search(src.text):
                    assert may_match(k.literals, folded), (k.id, path, src.text[:80])


def test_no_concept_phrase_is_skipped_where_it_matches() -> None:
    from safety_lint.concepts import lexicon

    pack = default_pack()
    lex = lexicon(pack)
    phrases = [
        (c.literals[n], src) for c in lex.concepts.values() for n, (src, _) in enumerate(c.sources)
    ]
    assert sum(lits is not None for lits, _ in phrases) > len(phrases) * 0.9
    texts = [
        line
        for path in sorted(FIXTURES.rglob("*.md"))
        for line in path.read_text(errors="replace").splitlines()
        if line.strip()
    ]
    for text in texts:
        folded = text.casefold()
        for lits, src in phrases:
            if re.search(src, text, re.IGNORECASE):
                assert may_match(lits, folded), (src, text)


def _verdicts(root: Path) -> list[tuple[str, str | None, tuple[tuple[str, int, str], ...]]]:
    from conftest import run_repo

    from safety_lint import classify, concepts

    concepts._occurrences.cache_clear()  # judged again, not remembered from the other run
    classify._FACTS.clear()
    run = run_repo(root)
    return [
        (r.path, r.cls, tuple(sorted((v.rule, v.line, v.message) for v in r.violations)))
        for r in run.results
    ]


@pytest.mark.skipif(not CORPUS.is_dir(), reason="needs ../shared/corpus")
def test_prefilters_never_change_a_verdict_on_the_corpus(monkeypatch: pytest.MonkeyPatch) -> None:
    from safety_lint import classify, concepts

    repos = sorted(p for p in CORPUS.iterdir() if (p / ".claude").is_dir())
    with_prefilters = [_verdicts(repo) for repo in repos]
    monkeypatch.setattr(classify, "may_match", lambda *_: True)
    monkeypatch.setattr(concepts, "may_match", lambda *_: True)
    without = [_verdicts(repo) for repo in repos]
    assert sum(len(v) for v in with_prefilters) > 2000
    for repo, a, b in zip(repos, with_prefilters, without, strict=True):
        assert a == b, repo.name
