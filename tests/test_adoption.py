"""Adopting safety-lint: suppressions, baselines, changed files, configuration, exit policy."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from conftest import FIXTURES, cli

CMD = ".claude/commands/project/"


def violations(result: subprocess.CompletedProcess[str]) -> list[tuple[str, str, int]]:
    data = json.loads(result.stdout)
    return [
        (f["path"].rsplit("/", 1)[-1], v["rule"], v["line"])
        for f in data["files"]
        for v in f["violations"]
    ]


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    root = shutil.copytree(FIXTURES / "rules/documents/pass", tmp_path / "repo")
    (root / CMD).mkdir(parents=True)
    shutil.copy(FIXTURES / "rules/commands/deploy-no-section.md", root / CMD / "bad.md")
    shutil.copy(FIXTURES / "rules/commands/deploy-no-agent.md", root / CMD / "good.md")
    (root / ".claude/agents").mkdir()
    shutil.copy(
        FIXTURES / "rules/agents/dataset-deployer.md", root / ".claude/agents/dataset-deployer.md"
    )
    return root


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))


# --- suppressions ---------------------------------------------------------------------------


def test_disable_next_line(repo: Path) -> None:
    edit(
        repo / CMD / "bad.md",
        "# Deploy Loader",
        "<!-- safety-lint-disable-next-line PS101 -- legacy, TICKET-1 -->\n# Deploy Loader",
    )
    result = cli(repo, "check", ".", "--format", "json")
    assert result.returncode == 0, result.stdout
    assert violations(result) == []


def test_disable_by_name_in_a_range(repo: Path) -> None:
    edit(
        repo / CMD / "bad.md",
        "# Deploy Loader",
        "<!-- safety-lint-disable production-safety-section -->\n# Deploy Loader\n<!-- safety-lint-enable production-safety-section -->",
    )
    assert cli(repo, "check", ".").returncode == 0


def test_frontmatter_ignore(repo: Path) -> None:
    edit(
        repo / CMD / "bad.md",
        "description:",
        'safety-lint: {ignore: [PS101], reason: "migrating"}\ndescription:',
    )
    assert cli(repo, "check", ".").returncode == 0


def test_directive_inside_code_is_not_a_directive(repo: Path) -> None:
    edit(
        repo / CMD / "bad.md",
        "# Deploy Loader",
        "```\n<!-- safety-lint-disable-next-line PS101 -->\n```\n# Deploy Loader",
    )
    assert ("bad.md", "PS101", 9) in violations(cli(repo, "check", ".", "--format", "json"))


@pytest.mark.parametrize(
    ("directive", "message"),
    [
        (
            "<!-- safety-lint-disabel-next-line PS101 -->",
            "unknown directive `safety-lint-disabel-next-line`",
        ),
        ("<!-- safety-lint-disable-next-line PS999 -->", "unknown rule(s) in suppression: PS999"),
        (
            "<!-- safety-lint-disable-next-line -->",
            "`safety-lint-disable-next-line` needs the rules it applies to",
        ),
        (
            "<!-- safety-lint-enable PS101 -->",
            "`safety-lint-enable PS101` without a matching disable",
        ),
    ],
)
def test_malformed_directive_is_reported_and_suppresses_nothing(
    repo: Path, directive: str, message: str
) -> None:
    edit(repo / CMD / "bad.md", "# Deploy Loader", f"{directive}\n# Deploy Loader")
    result = cli(repo, "check", ".")
    assert result.returncode == 1
    assert f"bad.md:6:1: PS006 invalid-suppression {message}" in result.stdout
    assert "bad.md:7:1: PS101 production-safety-section" in result.stdout


def test_unused_suppression_is_a_warning(repo: Path) -> None:
    edit(
        repo / CMD / "good.md",
        "# Deploy Loader",
        "<!-- safety-lint-disable-next-line PS101 -->\n# Deploy Loader",
    )
    result = cli(repo, "check", ".", "--ignore", "PS101")
    assert "good.md" not in result.stdout  # the rule is not selected: not "unused"
    result = cli(repo, "check", ".", "--select", "PS101,PS007")
    assert (
        "good.md:6:1: PS007 unused-suppression [warning] PS101 is suppressed here" in result.stdout
    )


def test_reason_can_be_required(repo: Path) -> None:
    (repo / ".safety-lint.yaml").write_text("require-reason: true\n")
    edit(
        repo / CMD / "bad.md",
        "# Deploy Loader",
        "<!-- safety-lint-disable-next-line PS101 -->\n# Deploy Loader",
    )
    result = cli(repo, "check", ".")
    assert "PS006 invalid-suppression suppression needs a reason" in result.stdout
    edit(repo / CMD / "bad.md", "PS101 -->", "PS101 -- migrating -->")
    assert cli(repo, "check", ".").returncode == 0


def test_a_rule_marked_not_suppressible_cannot_be_suppressed(repo: Path, tmp_path: Path) -> None:
    extra = repo / "policy"  # rule folders are read only inside the repository
    extra.mkdir()
    (extra / "hard.yaml").write_text(
        "rules:\n  - code: PS950\n    name: no-yolo\n    severity: error\n    check: statement\n"
        "    suppressible: false\n    applies: [{kind: command}]\n    options: {patterns: ['never yolo']}\n"
        "    doc: {what: w, why: y, fix: f, example: e, failing: x}\n"
    )
    (repo / ".safety-lint.yaml").write_text("rules: [policy]\nselect: [PS950]\n")
    edit(
        repo / CMD / "good.md",
        "# Deploy Loader",
        "<!-- safety-lint-disable-next-line PS950 -->\n# Deploy Loader",
    )
    assert ("good.md", "PS950", 7) in violations(cli(repo, "check", ".", "--format", "json"))


# --- baselines ------------------------------------------------------------------------------


def test_baseline_reports_only_new_violations(repo: Path) -> None:
    assert cli(repo, "check", ".", "--write-baseline", "baseline.json").returncode == 0
    data = json.loads((repo / "baseline.json").read_text())
    assert [(v["path"], v["rule"]) for v in data["violations"]] == [(CMD + "bad.md", "PS101")]
    # An edit elsewhere moves the violation's line: still baselined.
    edit(repo / CMD / "bad.md", "# Deploy Loader", "# Deploy Loader\n\nMore intro.\n")
    assert cli(repo, "check", ".", "--baseline", "baseline.json").returncode == 0
    # A new violation is reported.
    edit(repo / CMD / "good.md", "1. **STOP immediately** before any operation\n", "")
    result = cli(repo, "check", ".", "--baseline", "baseline.json", "--format", "json")
    assert result.returncode == 1
    assert violations(result) == [("good.md", "PS104", 37)]  # the closest statement
    assert "1 violations in the baseline not shown" in result.stderr


def test_bad_baseline_is_a_usage_error(repo: Path) -> None:
    (repo / "b.json").write_text("[1, 2]")
    result = cli(repo, "check", ".", "--baseline", "b.json")
    assert result.returncode == 2 and "not a safety-lint baseline" in result.stderr


# --- changed files --------------------------------------------------------------------------


def _git(repo: Path, *args: str) -> None:
    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": "t",
        "GIT_AUTHOR_EMAIL": "t@x.invalid",
        "GIT_COMMITTER_NAME": "t",
        "GIT_COMMITTER_EMAIL": "t@x.invalid",
    }
    subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True, env=env)


def test_changed_since_checks_only_changed_files(repo: Path) -> None:
    _git(repo, "init", "-q")
    _git(repo, "add", "-A")
    _git(repo, "commit", "-qm", "base")
    edit(repo / CMD / "good.md", "Deploys one", "Deploys exactly one")
    result = cli(repo, "check", "--changed-since", "HEAD")
    assert result.returncode == 0
    assert result.stdout.strip().endswith(
        "1 file checked: 1 passed, 0 failed, 0 in error; 0 errors, 0 warnings"
    )
    (repo / "CLAUDE.md").unlink()
    (repo / "docs/guides/agent-guide.md").write_text("# Agent Guide\n")
    result = cli(repo, "check", "--changed-since", "HEAD")
    assert "CLAUDE.md:1:1: PS301" in result.stdout  # a core document changed: all are checked
    assert "bad.md" not in result.stdout
    assert cli(repo, "check", "--changed-since", "no-such-ref").returncode == 2


# --- configuration and exit policy ----------------------------------------------------------


def test_per_rule_severity_and_fail_on(repo: Path) -> None:
    (repo / ".safety-lint.yaml").write_text("severity: {production-safety-section: warning}\n")
    result = cli(repo, "check", ".")
    assert result.returncode == 0
    assert "PS101 production-safety-section [warning]" in result.stdout
    assert cli(repo, "check", ".", "--fail-on", "warning").returncode == 1
    (repo / ".safety-lint.yaml").write_text("severity: {PS101: warning}\nfail-on: warning\n")
    assert cli(repo, "check", ".").returncode == 1


def test_include_and_exclude(repo: Path) -> None:
    (repo / ".safety-lint.yaml").write_text(
        "include: ['.claude/commands/**']\nexclude: ['.claude/commands/project/bad.md']\n"
    )
    result = cli(repo, "check", ".")
    assert result.returncode == 0
    assert (
        result.stdout.strip()
        == "1 file checked: 1 passed, 0 failed, 0 in error; 0 errors, 0 warnings"
    )
    # Explicit files: the exclude still applies, the include globs are never merged in.
    result = cli(repo, "check", CMD + "bad.md", CMD + "good.md")
    assert result.stdout.strip().startswith("1 file checked")


def test_config_command_shows_values_and_origins(repo: Path) -> None:
    (repo / ".safety-lint.yaml").write_text("exclude: [x]\n")
    out = cli(repo, "config", ".").stdout
    assert out.splitlines()[0] == "# configuration: .safety-lint.yaml"
    assert 'exclude: ["x"]  # .safety-lint.yaml' in out
    assert 'fail-on: "error"  # default' in out
    assert '"default-production-patterns": true' in out.splitlines()[-1]  # guard: listed too
    (repo / ".safety-lint.yaml").write_text("guard:\n  production-patterns: [blue]\n")
    out = cli(repo, "config", ".").stdout
    assert 'guard: {"production-patterns": ["blue"]' in out
    assert out.rstrip().endswith("# .safety-lint.yaml")


# --- output files ---------------------------------------------------------------------------


def test_several_formats_in_one_run(repo: Path) -> None:
    result = cli(
        repo,
        "check",
        ".",
        "--format",
        "json",
        "--output-file",
        "out.json",
        "--format",
        "junit",
        "--output-file",
        "out.xml",
    )
    assert result.returncode == 1
    assert json.loads((repo / "out.json").read_text())["summary"]["fail"] == 1
    assert (repo / "out.xml").read_text().startswith("<?xml")
    assert "bad.md:6:1: PS101" in result.stdout  # the human summary still goes to the terminal


def test_github_format_is_automatic_under_actions(repo: Path, tmp_path: Path) -> None:
    summary = tmp_path / "summary.md"
    result = cli(repo, "check", ".", GITHUB_ACTIONS="true", GITHUB_STEP_SUMMARY=str(summary))
    assert result.stdout.startswith("::error file=.claude/commands/project/bad.md,line=6,col=1,")
    assert "bad.md" in summary.read_text()


# --- writing files and paths, as a new user meets them ---------------------------------------


def test_output_file_that_cannot_be_written_is_a_usage_error(repo: Path, tmp_path: Path) -> None:
    folder = cli(repo, "check", ".", "--format", "json", "--output-file", str(tmp_path))
    assert folder.returncode == 2 and "is a folder" in folder.stderr
    assert "Traceback" not in folder.stderr
    missing = cli(repo, "check", ".", "--write-baseline", str(tmp_path / "no/such/b.json"))
    assert missing.returncode == 2 and "does not exist" in missing.stderr


def test_new_files_follow_the_umask(repo: Path) -> None:
    cli(repo, "check", ".", "--format", "json", "--output-file", "out.json")
    mode = (repo / "out.json").stat().st_mode & 0o777
    umask = os.umask(0)
    os.umask(umask)
    assert mode == 0o666 & ~umask


def test_fix_leaves_symlinks_alone(repo: Path) -> None:
    shared = repo / "shared.md"
    shutil.copy(FIXTURES / "rules/agents/tester-no-section.md", shared)
    (repo / ".claude/agents/tester.md").symlink_to(shared)
    before = shared.read_bytes()
    result = cli(repo, "check", "--fix", ".")
    assert "is a symbolic link; not replaced" in result.stderr
    assert (repo / ".claude/agents/tester.md").is_symlink() and shared.read_bytes() == before


def test_status_path_must_stay_in_the_repository(repo: Path) -> None:
    (repo / ".safety-lint.yaml").write_text("status: {path: ../outside.md}\n")
    result = cli(repo, "status", "--write", ".")
    assert result.returncode == 2 and "inside the repository" in result.stderr
    assert not (repo.parent / "outside.md").exists()


def test_changed_since_outside_git_says_so_in_one_line(repo: Path) -> None:
    result = cli(repo, "check", "--changed-since", "HEAD", "--root", ".")
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "safety-lint: error: --changed-since HEAD: . is not inside a git repository"
    ]


def test_a_missing_command_given_explicitly_is_its_error(repo: Path) -> None:
    result = cli(repo, "check", CMD + "gone.md", CMD + "good.md", "--format", "json")
    assert result.returncode == 1
    gone = next(f for f in json.loads(result.stdout)["files"] if f["path"].endswith("gone.md"))
    assert gone["status"] == "error" and gone["violations"][0]["rule"] == "PS001"
    assert cli(repo, "check", "typo.txt").returncode == 2


def test_codes_in_any_case_and_paths_from_the_current_folder(repo: Path) -> None:
    assert cli(repo, "explain", "ps106").stdout.startswith("## PS106 three-questions")
    assert cli(repo, "check", ".", "--ignore", "ps101").returncode == 0
    result = cli(repo.parent, "check", "repo")
    assert "repo/.claude/commands/project/bad.md:6:1: PS101" in result.stdout
