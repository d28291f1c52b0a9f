"""The status document regenerated from the lint results (policy §7)."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import EXAMPLE_REPO, PROJECT

from safety_lint.parse import parse_blocks
from safety_lint.text import lines_with_endings

SEED = EXAMPLE_REPO / "docs/standards/production-safety-implementation-status.md"
GOLDEN = PROJECT / "tests/golden/example-status.md"
DOC = "docs/standards/production-safety-implementation-status.md"
EPOCH = "1764028800"  # 2025-11-25
HAND_SECTIONS = ("Implementation Guidelines", "Testing Checklist", "Notes", "Contact")


def status(root: Path, *args: str, epoch: str | None = EPOCH) -> subprocess.CompletedProcess[str]:
    env = {"PATH": "/usr/bin:/bin", "NO_COLOR": "1"}
    if epoch:
        env["SOURCE_DATE_EPOCH"] = epoch
    return subprocess.run(
        [sys.executable, "-m", "safety_lint", "status", str(root), *args],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )


def section(text: str, heading: str) -> str:
    """A level-2 section's raw text, heading to the next level-2 heading (CommonMark's view)."""
    lines = lines_with_endings(text)
    starts = [
        b.line - 1
        for b in parse_blocks("".join(x.rstrip("\r\n") + "\n" for x in lines), 1)
        if b.type == "heading" and b.level == 2 and b.counts
    ]
    for n, start in enumerate(starts):
        if lines[start].rstrip("\r\n") == f"## {heading}":
            end = starts[n + 1] if n + 1 < len(starts) else len(lines)
            return "".join(lines[start:end])
    raise AssertionError(f"no section {heading}")


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    return shutil.copytree(EXAMPLE_REPO, tmp_path / "repo")


def test_golden_document_from_the_seed(repo: Path) -> None:
    result = status(repo, "--write")
    assert result.returncode == 0, result.stderr
    written = (repo / DOC).read_text(encoding="utf-8")
    assert written == GOLDEN.read_text(encoding="utf-8")


def test_files_land_in_completed_or_remaining_by_their_state(repo: Path) -> None:
    status(repo, "--write")
    text = (repo / DOC).read_text(encoding="utf-8")
    done, todo = (
        section(text, "✅ Completed Updates"),
        section(text, "⚠️ Remaining Updates Required"),
    )
    for name in (
        "/dataset-loader-deploy",
        "/dataset-data-load",
        "/manage-dataset",
        "dataset-deployer",
        "dataset-developer",
        "dataset-manager",
    ):
        assert f"- [x] **`{name}`**" in done and f"**`{name}`**" not in todo, name
    for name in (
        "/dataset-deploy",
        "/dataset-loader-update",
        "/dataset-update",
        "dataset-tester",
        "dataset-documenter",
        "dataset-inspector",
        "data-engineer-etl",
        "CLAUDE.md",
    ):
        assert f"- [ ] **`{name}`**" in todo and f"**`{name}`**" not in done, name
    rollout = section(text, "Rollout Plan")
    assert "### Phase 2: Critical Agents (COMPLETED)\n- [x] `dataset-deployer`" in rollout
    assert "### Phase 3: Supporting Commands\n- [ ] `/dataset-deploy`" in rollout


def test_hand_written_sections_are_kept_byte_for_byte(repo: Path) -> None:
    seed = SEED.read_text(encoding="utf-8")
    status(repo, "--write")
    written = (repo / DOC).read_text(encoding="utf-8")
    for heading in HAND_SECTIONS:
        assert section(written, heading) == section(seed, heading), heading


def test_generated_headings_are_valid_commonmark_in_order(repo: Path) -> None:
    text = status(repo).stdout
    body = text[text.index("\n---\n", 4) + 5 :]  # after the frontmatter
    headings = [
        (b.level, b.text) for b in parse_blocks(body, 1) if b.type == "heading" and b.counts
    ]
    level2 = [t for level, t in headings if level == 2]
    assert level2 == [
        "Overview",
        "✅ Completed Updates",
        "⚠️ Remaining Updates Required",
        "Implementation Guidelines",
        "Testing Checklist",
        "Rollout Plan",
        "Success Criteria",
        "Priority for Immediate Implementation",
        "Notes",
        "Contact",
    ]
    level3 = [t for level, t in headings if level == 3]
    assert level3[:10] == [  # grouped by kind and class (issue 14)
        "Core Documentation",
        "Deployment Commands Updated with Production Confirmation",
        "Batch Commands Updated with Batch Confirmation",
        "Deployment Agents Updated with Production Confirmation",
        "Batch Agents Updated with Batch Confirmation",
        "Read-only Agents with Environment Handling",
        "Deployment Commands Needing Production Safety Sections",
        "Deployment Agents Needing Production Confirmation Instructions",
        "Read-only Agents Needing Environment Handling",
        "Core Documentation Updates",
    ]


def test_print_writes_nothing(repo: Path) -> None:
    before = (repo / DOC).read_bytes()
    result = status(repo)
    assert result.returncode == 0 and result.stdout.startswith("---\norg: corthos\n")
    assert (repo / DOC).read_bytes() == before


def test_check_guards_the_document(repo: Path) -> None:
    stale = status(repo, "--check")
    assert stale.returncode == 1
    assert stale.stdout.startswith(f"--- a/{DOC}\n+++ b/{DOC}\n")
    assert "safety-lint status --write" in stale.stderr
    assert status(repo, "--write").returncode == 0
    assert status(repo, "--check").returncode == 0
    # A command loses its safety section: --check fails, --write moves it to Remaining.
    cmd = repo / ".claude/commands/project/dataset-loader-deploy.md"
    cmd.write_text(cmd.read_text().replace("## ⚠️ PRODUCTION SAFETY ⚠️", "## Production notes"))
    assert status(repo, "--check").returncode == 1
    status(repo, "--write")
    text = (repo / DOC).read_text(encoding="utf-8")
    assert "- [ ] **`/dataset-loader-deploy`**" in section(text, "⚠️ Remaining Updates Required")
    assert "### Phase 1: Critical Commands\n- [ ] `/dataset-loader-deploy`" in text


def test_idempotent_and_updated_only_moves_when_the_body_changes(repo: Path) -> None:
    status(repo, "--write", epoch=EPOCH)
    first = (repo / DOC).read_bytes()
    assert b"\nupdated: 2025-11-25\n" in first
    mtime = (repo / DOC).stat().st_mtime_ns
    assert (
        status(repo, "--write", epoch="1800000000").returncode == 0
    )  # a later day, nothing changed
    assert (repo / DOC).read_bytes() == first
    assert (repo / DOC).stat().st_mtime_ns == mtime  # not even touched
    assert status(repo, "--check", epoch="1800000000").returncode == 0


def test_maintainer_ticks_and_frontmatter_comments_survive(repo: Path) -> None:
    doc = repo / DOC
    text = doc.read_text(encoding="utf-8")
    text = text.replace(
        "- [ ] Command runs without confirmation", "- [x] Command runs without confirmation"
    )
    text = text.replace("- [ ] Test all scenarios", "- [x] Test all scenarios")
    text = text.replace("- [ ] ALL test scenarios pass", "- [x] ALL test scenarios pass")
    text = text.replace(
        "visibility: internal\n",
        "visibility: internal  # who may read it\n# owned by the platform team\n",
    )
    text = text.replace("system: etl.corthion.ai", "system: 'etl.corthion.ai'")
    doc.write_text(text, encoding="utf-8")
    status(repo, "--write")
    out = doc.read_text(encoding="utf-8")
    assert "- [x] Command runs without confirmation" in section(out, "Testing Checklist")
    assert "### Phase 5: Testing & Validation\n- [x] Test all scenarios" in out
    assert "- [x] ALL test scenarios pass" in out
    assert "visibility: internal  # who may read it\n# owned by the platform team\n" in out
    assert "system: 'etl.corthion.ai'\n" in out
    assert re.search(r"^updated: 2025-11-25$", out, re.M)


def test_crlf_document_stays_crlf(repo: Path) -> None:
    doc = repo / DOC
    doc.write_bytes(doc.read_bytes().replace(b"\n", b"\r\n"))
    status(repo, "--write")
    data = doc.read_bytes()
    assert data.count(b"\r\n") == data.count(b"\n")
    assert data.replace(b"\r\n", b"\n") == GOLDEN.read_bytes()


def test_a_new_document_is_created(repo: Path) -> None:
    (repo / DOC).unlink()
    assert status(repo, "--write").returncode == 0
    text = (repo / DOC).read_text(encoding="utf-8")
    assert text.startswith("---\ntitle: Production Safety Implementation Status\n")
    assert (
        "created: 2025-11-25\nupdated: 2025-11-25\n---\n\n# Production Safety Implementation Status\n"
        in text
    )
    assert status(repo, "--check").returncode == 0


def test_an_owned_section_that_was_deleted_comes_back(repo: Path) -> None:
    doc = repo / DOC
    text = doc.read_text(encoding="utf-8")
    doc.write_text(text.replace(section(text, "Success Criteria"), ""), encoding="utf-8")
    status(repo, "--write")
    out = doc.read_text(encoding="utf-8")
    assert (
        out.index("## Rollout Plan") < out.index("## Success Criteria") < out.index("## Priority")
    )


def test_write_and_check_together_is_a_usage_error(repo: Path) -> None:
    assert status(repo, "--write", "--check").returncode == 2
