"""The classifier evaluation report (`bench/classify_eval.py`) on a tiny labelled corpus.

`fixtures/classify/` holds one repository (`acme__tools`) and `labels.tsv`, laid out like the
shared corpus. Its files are chosen so that every cell of the report is known: a hit of each
class, a delegation, a pipeline file (read-only), a weak file (unclassified), a deliberate miss
and a borderline false positive.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import FIXTURES, PROJECT

SCRIPT = PROJECT / "bench" / "classify_eval.py"
CORPUS = FIXTURES / "classify"


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(SCRIPT), *args],
        capture_output=True,
        text=True,
        check=False,
        cwd=PROJECT,
        timeout=120,
    )


@pytest.fixture(scope="module")
def text() -> str:
    out = run("--corpus", str(CORPUS))
    assert out.returncode == 0, out.stderr  # a report: missed targets do not fail it
    return out.stdout


@pytest.fixture(scope="module")
def report() -> dict:  # type: ignore[type-arg]
    out = run("--corpus", str(CORPUS), "--json")
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)  # type: ignore[no-any-return]


def test_confusion_matrix(report: dict) -> None:  # type: ignore[type-arg]
    assert report["all"]["rows"] == 10
    assert report["all"]["matrix"] == {
        "deployment": {"deployment": 3, "batch": 0, "read-only": 1, "unclassified": 1},
        "batch": {"deployment": 0, "batch": 1, "read-only": 0, "unclassified": 0},
        "read-only": {"deployment": 1, "batch": 0, "read-only": 3, "unclassified": 0},
    }


def test_the_four_numbers(report: dict) -> None:  # type: ignore[type-arg]
    every = report["all"]
    assert every["caught"] == pytest.approx(5 / 6)  # unclassified counts as caught
    assert every["read_only_kept"] == pytest.approx(3 / 4)
    assert every["exact"] == pytest.approx(7 / 10)
    assert (report["files"], report["unclassified"]) == (11, 2)  # the unlabelled file counts
    assert report["unclassified_share"] == pytest.approx(2 / 11)


def test_without_the_borderline_rows(report: dict) -> None:  # type: ignore[type-arg]
    clean = report["without_borderline"]
    assert clean["rows"] == 8
    assert clean["caught"] == pytest.approx(4 / 5)
    assert clean["read_only_kept"] == pytest.approx(1.0)
    assert clean["exact"] == pytest.approx(7 / 8)


def test_misses_carry_their_evidence(report: dict) -> None:  # type: ignore[type-arg]
    misses = {Path(m["path"]).name: m for m in report["misses"]}
    assert sorted(misses) == ["helper.md", "notes.md", "refresh.md"]
    assert misses["notes.md"]["predicted"] == "read-only" and not misses["notes.md"]["borderline"]
    assert misses["refresh.md"]["predicted"] == "unclassified"
    helper = misses["helper.md"]
    assert helper["borderline"] and helper["predicted"] == "deployment"
    assert any("[deploy-instruction]" in e and e.startswith("line 12:") for e in helper["evidence"])


def test_delegation_is_evaluated_the_way_the_linter_does_it(report: dict) -> None:  # type: ignore[type-arg]
    assert report["rules"]["delegation"] == {"risky": 1, "read-only": 0, "corpus": 1}
    assert report["predicted"] == {"batch": 1, "deployment": 4, "read-only": 4, "unclassified": 2}


def test_text_report(text: str) -> None:
    assert "deployment+batch caught: 83.3%  (target >= 97%: MISSED)" in text
    assert "read-only left read-only: 75.0%  (target >= 92%: MISSED)" in text
    assert "exactly right: 70.0%  (target >= 90%: MISSED)" in text
    assert "exactly right: 87.5%  (target >= 90%: MISSED)" in text  # without borderline rows
    assert "unclassified over the whole corpus: 2 of 11 files (18.2%)" in text
    assert "  deployment                     3             0             1             1" in text
    assert "Misses (3):" in text
    assert "- acme__tools/.claude/commands/notes.md: label deployment, predicted read-only" in text
    assert "    line 7: deployment weak runs a data load or deployment step [runs-loader]" in text


def test_absent_corpus_or_labels_is_a_message_not_a_failure(tmp_path: Path) -> None:
    out = run("--corpus", str(tmp_path / "nowhere"))
    assert out.returncode == 0 and "corpus not found" in out.stdout
    out = run("--corpus", str(CORPUS), "--labels", str(tmp_path / "labels.tsv"))
    assert out.returncode == 0 and "labels not found" in out.stdout
