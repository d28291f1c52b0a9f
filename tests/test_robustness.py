"""Never a traceback: arbitrary input, and every real file of the shared corpus."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest
from conftest import CORPUS, run_repo
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from safety_lint.check import Selector, check_document
from safety_lint.classify import classify
from safety_lint.model import Target
from safety_lint.parse import parse_text
from safety_lint.rulepack import default_pack

FRONTMATTER_LINES = st.sampled_from(
    [
        "name: x",
        "tools: *",
        "tools: Read, Grep",
        "argument-hint: [op] | --all",
        "safety-class: batch",
        "safety-class: nonsense",
        "description: **bold**",
        "- item",
        "  indented: 1",
        "key: [unclosed",
        "tools: 42",
        "name: 12",
        "&a [*a, *a]",
        "!!python/name:os.system",
        "",
    ]
)
BODY_LINES = st.sampled_from(
    [
        "# Title",
        "## ⚠️ PRODUCTION SAFETY ⚠️",
        "## ⚠️ CRITICAL: MANDATORY PRODUCTION CONFIRMATION PROTOCOL ⚠️",
        "## Environment Handling",
        "## ⚠️ PRODUCTION SAFETY - BATCH OPERATIONS ⚠️",
        "```",
        "~~~",
        "> quote",
        "- Have you validated this in TEST? (y/n)",
        "- Type 'PRODUCTION' to confirm",
        "<!--",
        "-->",
        "1. Deploy to production",
        "kubectl apply -f x",
        "--environment=prod",
        "| a | b |",
        "|---|---|",
        "",
        "    indented code",
        "Invoke the `x` agent with ProductionConfirmed",
        "***",
        "*emph _x* y_",
    ]
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    fm=st.one_of(st.none(), st.lists(FRONTMATTER_LINES, max_size=6)),
    body=st.lists(st.one_of(BODY_LINES, st.text(max_size=40)), max_size=30),
    kind=st.sampled_from(["command", "agent", "document"]),
    crlf=st.booleans(),
)
def test_any_structure_gets_a_verdict(
    fm: list[str] | None, body: list[str], kind: str, crlf: bool
) -> None:
    pack = default_pack()
    rel = {
        "command": ".claude/commands/x.md",
        "agent": ".claude/agents/x.md",
        "document": "CLAUDE.md",
    }[kind]
    text = ("---\n" + "\n".join(fm) + "\n---\n" if fm is not None else "") + "\n".join(body)
    if crlf:
        text = text.replace("\n", "\r\n")
    doc = parse_text(Target(Path("/x") / rel, rel, kind), text)  # type: ignore[arg-type]
    cls = classify(doc, pack, (), {})
    result = check_document(doc, cls, pack, Selector())
    assert result.status in ("pass", "fail", "error")
    for v in result.violations:
        assert v.line >= 1


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=300))
def test_arbitrary_text_never_raises(text: str) -> None:
    doc = parse_text(Target(Path("/x/a.md"), ".claude/agents/a.md", "agent"), text)
    pack = default_pack()
    check_document(doc, classify(doc, pack, (), {}), pack, Selector())


def _digest(root: Path) -> str:
    h = hashlib.sha256()
    for path in sorted(root.rglob("*")):
        if path.is_file():
            h.update(str(path).encode())
            h.update(path.read_bytes())
    return h.hexdigest()


@pytest.mark.skipif(not CORPUS.is_dir(), reason="../shared/corpus is not present")
def test_whole_corpus_gets_a_status_and_is_not_changed() -> None:
    before = _digest(CORPUS)
    total = 0
    for repo in sorted(p for p in CORPUS.iterdir() if p.is_dir()):
        run = run_repo(repo)
        files = [r for r in run.results if r.kind != "document"]
        expected = sum(1 for _ in (repo / ".claude").rglob("*.md") if _.is_file())
        assert len(files) <= expected and files, repo.name
        for r in run.results:
            assert r.status in ("pass", "fail", "error")
            assert all(v.requirement != "internal-error" for v in r.violations), (
                r.path,
                r.violations,
            )
        total += len(files)
    assert total >= 2000
    assert _digest(CORPUS) == before
    assert os.access(CORPUS, os.R_OK)


def test_an_unexpected_exception_is_that_files_error_and_the_run_goes_on(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import shutil

    from conftest import FIXTURES

    import safety_lint.engine as engine

    root = tmp_path / "repo"
    (root / ".claude/commands").mkdir(parents=True)
    for name in ("a.md", "b.md"):
        shutil.copy(
            FIXTURES / "rules/commands/deploy-no-agent.md", root / ".claude/commands" / name
        )
    real = engine.check_document

    def flaky(doc, *args, **kwargs):  # type: ignore[no-untyped-def]
        if doc.target.rel.endswith("a.md"):
            raise KeyError("boom")
        return real(doc, *args, **kwargs)

    monkeypatch.setattr(engine, "check_document", flaky)
    by_path = {r.path: r for r in run_repo(root).results}
    broken = by_path[".claude/commands/a.md"]
    assert broken.status == "error"
    (v,) = broken.violations
    assert (v.rule, v.requirement) == ("PS004", "internal-error")
    assert "KeyError" in v.message and "please report it" in v.message
    assert by_path[".claude/commands/b.md"].status == "pass"
