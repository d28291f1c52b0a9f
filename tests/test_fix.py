"""Autofix and scaffolding: insertion only, never a lost byte, re-checked before writing."""

from __future__ import annotations

import os
import shutil
import stat
from pathlib import Path

import pytest
from conftest import CORPUS, EXAMPLE_REPO, FIXTURES, cli

from safety_lint.check import Selector
from safety_lint.config import load_config
from safety_lint.engine import Run, fix, lint, select
from safety_lint.fix import FixOutcome, insert
from safety_lint.rulepack import default_pack
from safety_lint.text import lines_with_endings


def outcomes(root: Path) -> tuple[Run, list[FixOutcome]]:
    pack, config = default_pack(), load_config(root)
    run = lint(select(root, [], pack, config), pack, config, Selector())
    return run, fix(run, pack, config, Selector())


def is_subsequence(small: list[str], big: list[str]) -> bool:
    it = iter(big)
    return all(any(line == other for other in it) for line in small)


def assert_fix_properties(root: Path) -> int:
    run, found = outcomes(root)
    errors = {r.path for r in run.results if r.status == "error"}
    fixed = [o for o in found if o.fixed is not None]
    for o in fixed:
        assert o.path not in errors
        assert o.fixed_rules, o.path
        original, result = lines_with_endings(o.original), lines_with_endings(o.fixed or "")
        # Every original line, byte for byte and in order (the last one may gain a line break).
        assert is_subsequence(
            [x.rstrip("\r\n") for x in original], [x.rstrip("\r\n") for x in result]
        ), o.path
        assert is_subsequence(original[:-1], result), o.path
        crlf = sum(x.endswith("\r\n") for x in original)
        if crlf == len(original) - (not original[-1].endswith("\n")):
            assert all(x.endswith("\r\n") for x in result[:-1]), o.path
        assert o.original.endswith("\n") == (o.fixed or "").endswith("\n")
    return len(fixed)


def test_fix_properties_on_rule_fixtures(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    for kind in ("commands", "agents"):
        folder = root / ".claude" / kind
        folder.mkdir(parents=True)
        for src in (FIXTURES / "rules" / kind).glob("*.md"):
            data = src.read_bytes()
            (folder / src.name).write_bytes(data)
            (folder / f"crlf-{src.name}").write_bytes(data.replace(b"\n", b"\r\n"))
            (folder / f"nofinal-{src.name}").write_bytes(data.rstrip(b"\n"))
    assert assert_fix_properties(root) >= 6


def test_fix_properties_on_the_example_repository() -> None:
    assert assert_fix_properties(EXAMPLE_REPO) == 7


@pytest.mark.skipif(not CORPUS.is_dir(), reason="../shared/corpus is not present")
def test_fix_properties_on_the_corpus() -> None:
    total = sum(assert_fix_properties(repo) for repo in sorted(CORPUS.iterdir()) if repo.is_dir())
    assert total > 100


def test_fix_writes_atomically_keeps_mode_and_is_idempotent(tmp_path: Path) -> None:
    root = shutil.copytree(EXAMPLE_REPO, tmp_path / "repo")
    tester = root / ".claude/agents/project/dataset-tester.md"
    os.chmod(tester, 0o640)
    original = tester.read_bytes()
    result = cli(root, "check", "--fix", ".")
    assert "fixed 7 violations in 7 files; 14 remain" in result.stderr
    fixed = tester.read_bytes()
    assert fixed != original and stat.S_IMODE(tester.stat().st_mode) == 0o640
    assert b"## Environment Handling" in fixed
    assert not list(root.rglob("*.tmp"))
    again = cli(root, "check", "--fix", ".")
    assert "fixed 0 violations in 0 files" in again.stderr
    assert tester.read_bytes() == fixed


def test_fix_then_status_moves_read_only_agents_to_completed(tmp_path: Path) -> None:
    root = shutil.copytree(EXAMPLE_REPO, tmp_path / "repo")
    cli(root, "check", "--fix", ".")
    result = cli(root, "check", ".", "--format", "json")
    import json

    by_path = {f["path"]: f for f in json.loads(result.stdout)["files"]}
    for agent in ("dataset-tester", "dataset-documenter", "dataset-inspector"):
        assert by_path[f".claude/agents/project/{agent}.md"]["status"] == "pass"
    cli(root, "status", "--write", ".")
    doc = (root / "docs/standards/production-safety-implementation-status.md").read_text()
    done = doc[doc.index("## ✅ Completed Updates") : doc.index("## ⚠️ Remaining Updates Required")]
    assert "- [x] **`dataset-tester`**" in done


def test_diff_prints_and_writes_nothing(tmp_path: Path) -> None:
    root = shutil.copytree(EXAMPLE_REPO, tmp_path / "repo")
    before = {p: p.read_bytes() for p in root.rglob("*.md")}
    result = cli(root, "check", "--diff", ".")
    assert result.returncode == 1
    assert "+++ b/.claude/agents/project/dataset-tester.md" in result.stdout
    assert "+## Environment Handling" in result.stdout
    assert {p: p.read_bytes() for p in root.rglob("*.md")} == before
    clean = shutil.copytree(FIXTURES / "rules/documents/pass", tmp_path / "clean")
    assert cli(clean, "check", "--diff", ".").returncode == 0


def test_placement() -> None:
    cmd = EXAMPLE_REPO / ".claude/commands/project/dataset-deploy.md"
    _, found = outcomes(EXAMPLE_REPO)
    out = next(o for o in found if o.path.endswith("dataset-deploy.md"))
    text = out.fixed or ""
    # A command's section goes after its parameters part, before the next section.
    assert (
        text.index("## Parameters")
        < text.index("## ⚠️ PRODUCTION SAFETY ⚠️")
        < text.index("## Workflow")
    )
    agent = next(o for o in found if o.path.endswith("data-engineer-etl.md")).fixed or ""
    first_h2 = next(line for line in agent.splitlines() if line.startswith("## "))
    assert first_h2 == "## ⚠️ CRITICAL: MANDATORY PRODUCTION CONFIRMATION PROTOCOL ⚠️"
    assert cmd.read_text() == out.original  # nothing written by fix()


def test_present_but_incomplete_or_misplaced_sections_are_not_fixable(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    (root / ".claude/commands").mkdir(parents=True)
    (root / ".claude/agents").mkdir(parents=True)
    shutil.copy(FIXTURES / "rules/commands/deploy-no-stop.md", root / ".claude/commands/a.md")
    shutil.copy(
        FIXTURES / "rules/commands/deploy-section-level-3.md", root / ".claude/commands/b.md"
    )
    shutil.copy(FIXTURES / "rules/agents/deployer-section-second.md", root / ".claude/agents/c.md")
    run, found = outcomes(root)
    assert found == []
    assert all(not v.fixable for r in run.results for v in r.violations)


def test_insert_keeps_missing_final_newline_and_crlf() -> None:
    assert insert("a\r\nb", 2, "## S\n\nx\n") == "a\r\nb\r\n\r\n## S\r\n\r\nx"
    assert insert("# T\n\n## P\n", 2, "## S\n") == "# T\n\n## S\n\n## P\n"


@pytest.mark.parametrize("kind", ["command", "skill", "agent"])
@pytest.mark.parametrize("cls", ["deployment", "batch", "read-only"])
def test_new_files_pass_check(tmp_path: Path, kind: str, cls: str) -> None:
    result = cli(tmp_path, "new", kind, f"my-{cls}", "--class", cls, "--root", ".")
    assert result.returncode == 0, result.stderr
    folder = tmp_path / ".claude" / f"{kind}s"
    path = folder / f"my-{cls}" / "SKILL.md" if kind == "skill" else folder / f"my-{cls}.md"
    check = cli(tmp_path, "check", str(path.relative_to(tmp_path)), "--fail-on", "warning")
    assert check.returncode == 0, check.stdout
    assert cli(tmp_path, "new", kind, f"my-{cls}", "--class", cls, "--root", ".").returncode == 2


def test_new_in_a_namespace_folder(tmp_path: Path) -> None:
    result = cli(
        tmp_path,
        "new",
        "command",
        "dataset-backfill",
        "--class",
        "batch",
        "--dir",
        ".claude/commands/project",
        "--root",
        ".",
    )
    assert result.returncode == 0
    assert (tmp_path / ".claude/commands/project/dataset-backfill.md").is_file()
    assert cli(tmp_path, "new", "command", "Bad_Name", "--class", "batch").returncode == 2
