"""CRLF and BOM files give the same verdicts and line numbers as their LF twins."""

from __future__ import annotations

import codecs
import shutil
from pathlib import Path

from conftest import FIXTURES, run_repo


def _variant(src: Path, dst: Path, crlf: bool, bom: bool) -> None:
    data = src.read_bytes()
    if crlf:
        data = data.replace(b"\n", b"\r\n")
    if bom:
        data = codecs.BOM_UTF8 + data
    dst.write_bytes(data)


def test_crlf_and_bom_twins_match(tmp_path: Path) -> None:
    outcomes = {}
    for crlf, bom in ((False, False), (True, False), (False, True), (True, True)):
        root = tmp_path / f"crlf{crlf}-bom{bom}"
        for kind in ("commands", "agents"):
            folder = root / ".claude" / kind / "project"
            folder.mkdir(parents=True)
            for src in sorted((FIXTURES / "rules" / kind).glob("*.md")):
                _variant(src, folder / src.name, crlf, bom)
        shutil.copytree(FIXTURES / "rules" / "documents" / "fail", root, dirs_exist_ok=True)
        run = run_repo(root)
        outcomes[(crlf, bom)] = [
            (r.path, r.status, r.cls, [(v.rule, v.line) for v in r.violations]) for r in run.results
        ]
    lf = outcomes[(False, False)]
    assert any(violations for *_, violations in lf)
    for key, outcome in outcomes.items():
        assert outcome == lf, key
