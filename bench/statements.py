#!/usr/bin/env python3
"""Time the statement checks (concepts matched per sentence): per file for the seed's
templates, and for a hostile file whose safety section is 2,000 long repetitive list items.

    python bench/statements.py [--runs N]

Prints medians in milliseconds; a report, not a gate.
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

from safety_lint import concepts
from safety_lint.check import Selector, check_document
from safety_lint.fix import new_file
from safety_lint.model import Classification, Target
from safety_lint.parse import parse_text
from safety_lint.rulepack import default_pack


def _time(text: str, kind: str, cls: str, runs: int) -> float:
    pack = default_pack()
    rel = f".claude/{'commands' if kind == 'command' else 'agents'}/x.md"
    doc = parse_text(Target(Path(rel), rel, kind), text)  # type: ignore[arg-type]
    times = []
    for _ in range(runs):
        concepts._occurrences.cache_clear()  # every run pays for matching, as a new file does
        concepts.clause_cuts.cache_clear()
        start = time.perf_counter()
        check_document(doc, Classification(cls, "declared"), pack, Selector())  # type: ignore[arg-type]
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    runs = parser.parse_args().runs
    pack = default_pack()
    print("| file | ms per file (median) |\n| --- | --- |")
    for kind, cls in (
        ("command", "deployment"),
        ("command", "batch"),
        ("agent", "deployment"),
        ("agent", "batch"),
        ("agent", "read-only"),
    ):
        ms = _time(new_file(kind, "x", cls, pack), kind, cls, runs)
        print(f"| template {cls} {kind} | {ms:.1f} |")
    item = "confirm ask yes proceed only if never deploy production without " * 12
    hostile = (
        "---\nargument-hint: x [--environment=test|prod]\n---\n# X\n\n"
        "## ⚠️ PRODUCTION SAFETY ⚠️\n\n" + "".join(f"- {item}\n" for _ in range(2000))
    )
    ms = _time(hostile, "command", "deployment", 1)
    print(f"| hostile: {len(hostile) // 1024} KiB section of 2,000 items | {ms:.0f} |")


if __name__ == "__main__":
    main()
