"""A team that is not the example team adopts safety-lint (issue 14): every item as the CLI
behaves in a temporary repository of its own shape -- no docs/guides, its own names."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
from conftest import FIXTURES, cli

PASSING_CLAUDE_MD = FIXTURES / "rules/documents/pass/CLAUDE.md"


def _new(root: Path, kind: str, name: str, cls: str, *extra: str) -> Path:
    result = cli(root, "new", kind, name, "--class", cls, "--root", ".", *extra)
    assert result.returncode == 0, result.stderr
    return root / ".claude" / f"{kind}s" / f"{name}.md"


@pytest.fixture
def team(tmp_path: Path) -> Path:
    """platform-tools: two commands, one agent, a CLAUDE.md; configured for its own documents."""
    root = tmp_path / "platform-tools"
    root.mkdir()
    (root / ".git").mkdir()  # the root of a work tree, as far as root-finding goes
    shutil.copy(PASSING_CLAUDE_MD, root / "CLAUDE.md")
    _new(root, "command", "rotate-keys", "deployment")
    _new(root, "command", "list-keys", "read-only")
    _new(root, "agent", "secret-rotator", "deployment")
    (root / ".safety-lint.yaml").write_text("core-documents: [CLAUDE.md]\n", encoding="utf-8")
    (root / "runbooks").mkdir()
    return root


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_the_team_repository_passes_as_scaffolded(team: Path) -> None:
    result = cli(team, "check")
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.strip().endswith(
        "4 files checked: 4 passed, 0 failed, 0 in error; 0 errors, 0 warnings"
    )


# 1 ------------------------------------------------------------------------------------------


def test_a_folder_argument_lints_below_it_from_the_repository_root(team: Path) -> None:
    _edit(team / ".claude/commands/rotate-keys.md", "## ⚠️ PRODUCTION SAFETY ⚠️", "## Safety")
    result = cli(team, "check", ".claude")
    assert result.returncode == 1
    assert ".claude/commands/rotate-keys.md:8:1: PS101 production-safety-section" in result.stdout
    assert ".claude/CLAUDE.md" not in result.stdout and "docs/" not in result.stdout
    assert "3 files checked" in result.stdout  # the commands and the agent, no core documents


# 2 ------------------------------------------------------------------------------------------


def test_fail_on_warning_reports_agree_with_the_exit_code(team: Path) -> None:
    _edit(team / ".claude/commands/list-keys.md", "safety-class:", "shortcut: lk\nsafety-class:")
    assert cli(team, "check").returncode == 0
    text = cli(team, "check", "--fail-on", "warning")
    assert text.returncode == 1
    assert "4 files checked: 3 passed, 1 failed, 0 in error; 0 errors, 1 warning" in text.stdout
    data = json.loads(cli(team, "check", "--fail-on", "warning", "--format", "json").stdout)
    status = {f["path"]: f["status"] for f in data["files"]}
    assert status[".claude/commands/list-keys.md"] == "fail"
    assert data["summary"]["fail"] == 1
    junit = cli(team, "check", "--fail-on", "warning", "--format", "junit").stdout
    assert 'failures="1"' in junit


# 3 ------------------------------------------------------------------------------------------


def test_a_block_suppression_inside_the_section_covers_its_findings(team: Path) -> None:
    path = team / ".claude/commands/rotate-keys.md"
    _edit(
        path,
        "**NO EXCEPTIONS**: Production operations NEVER proceed without user confirmation.",
        "",
    )
    assert "PS109 no-exceptions" in cli(team, "check").stdout
    _edit(
        path,
        "## ⚠️ PRODUCTION SAFETY ⚠️\n",
        "## ⚠️ PRODUCTION SAFETY ⚠️\n\n<!-- safety-lint-disable PS109 -- in our runbook -->\n",
    )
    result = cli(team, "check")
    assert "PS109" not in result.stdout and "PS007" not in result.stdout, result.stdout
    assert result.returncode == 0


# 4 ------------------------------------------------------------------------------------------


def test_unknown_rule_names_say_where_and_suggest(team: Path) -> None:
    result = cli(team, "check", "--select", "three-question")
    assert result.returncode == 2
    assert result.stderr.strip() == (
        "safety-lint: error: --select: unknown rule 'three-question'; "
        "did you mean 'three-questions'? (see `safety-lint rules`)"
    )
    (team / ".safety-lint.yaml").write_text(
        "core-documents: [CLAUDE.md]\nseverity:\n  dry-run-recomended: warning\n", encoding="utf-8"
    )
    result = cli(team, "check")
    assert result.returncode == 2
    assert f"{team / '.safety-lint.yaml'}:3: 'severity': unknown rule 'dry-run-recomended'" in (
        result.stderr
    )
    assert "did you mean 'dry-run-recommended'?" in result.stderr


def test_a_misspelt_agent_gets_a_did_you_mean(team: Path) -> None:
    _edit(
        team / ".claude/commands/list-keys.md",
        "## Implementation\n",
        "## Implementation\n\nUse the `secret-rotater` agent to list them.\n",
    )
    result = cli(team, "check")
    assert "invokes agent `secret-rotater`" in result.stdout
    assert "did you mean `secret-rotator`?" in result.stdout


# 6 ------------------------------------------------------------------------------------------


def test_paths_from_a_subfolder_start_with_dot_dot(team: Path) -> None:
    _edit(team / ".claude/commands/rotate-keys.md", "## ⚠️ PRODUCTION SAFETY ⚠️", "## Safety")
    result = cli(team / "runbooks", "check")
    assert "../.claude/commands/rotate-keys.md:8:1: PS101" in result.stdout
    github = cli(team / "runbooks", "check", "--format", "github").stdout
    assert "file=../.claude/commands/rotate-keys.md" in github
    data = json.loads(cli(team / "runbooks", "check", "--format", "json").stdout)
    assert ".claude/commands/rotate-keys.md" in {f["path"] for f in data["files"]}


# 7 ------------------------------------------------------------------------------------------


def test_team_frontmatter_keys_are_allowed_and_the_message_is_short(team: Path) -> None:
    _edit(team / ".claude/commands/list-keys.md", "safety-class:", "shortcut: lk\nsafety-class:")
    result = cli(team, "check")
    (line,) = [x for x in result.stdout.splitlines() if "PS406" in x]
    assert line.endswith(
        "PS406 known-frontmatter [warning] unknown command frontmatter key `shortcut`"
    )
    (team / ".safety-lint.yaml").write_text(
        "core-documents: [CLAUDE.md]\nfrontmatter-keys: [shortcut]\n", encoding="utf-8"
    )
    assert "PS406" not in cli(team, "check").stdout
    assert "Known keys: those of Claude Code 2.x" in cli(team, "explain", "PS406").stdout


# 8 ------------------------------------------------------------------------------------------


def test_an_unconfigured_repository_gets_defaults_that_fit_it(team: Path) -> None:
    (team / ".safety-lint.yaml").unlink()
    result = cli(team, "check")
    assert result.returncode == 0, result.stdout
    assert "docs/guides" not in result.stdout
    (note,) = [x for x in result.stderr.splitlines() if "no configuration found" in x]
    assert "docs/guides/agent-guide.md" in note and "safety-lint init" in note
    (team / "CLAUDE.md").unlink()  # CLAUDE.md stays required in a Claude Code repository
    assert "CLAUDE.md:1:1: PS301" in cli(team, "check").stdout


def test_an_empty_folder_says_no_claude_folder_was_found(tmp_path: Path) -> None:
    result = cli(tmp_path, "check")
    assert result.returncode == 0
    assert "no .claude/ folder in" in result.stderr
    assert "core document" not in result.stdout
    assert result.stdout.strip().startswith("0 files checked")


def _shapes(tmp_path: Path) -> dict[str, Path]:
    empty = tmp_path / "empty"
    empty.mkdir()
    commands = tmp_path / "commands-only"
    (commands / ".claude/commands/ops").mkdir(parents=True)
    (commands / ".claude/commands/ops/drain-node.md").write_text(
        "---\ndescription: Drain a node\nshortcut: dn\n---\n# Drain\n\nLists the pods on a node.\n",
        encoding="utf-8",
    )
    plugin = tmp_path / "plugin"
    (plugin / ".claude-plugin").mkdir(parents=True)
    (plugin / ".claude-plugin/plugin.json").write_text('{"name": "ops-kit"}\n', encoding="utf-8")
    (plugin / "commands").mkdir()
    (plugin / "commands/status.md").write_text("# Status\n\nShows the status.\n", encoding="utf-8")
    (plugin / "agents").mkdir()
    (plugin / "agents/helper.md").write_text("---\nname: helper\n---\n# Helper\n", encoding="utf-8")
    return {"empty": empty, "commands": commands, "plugin": plugin}


@pytest.mark.parametrize("shape", ["empty", "commands", "plugin"])
def test_init_writes_a_configuration_that_check_accepts(tmp_path: Path, shape: str) -> None:
    root = _shapes(tmp_path)[shape]
    result = cli(root, "init")
    assert result.returncode == 0, result.stderr
    assert "wrote .safety-lint.yaml" in result.stderr
    assert "repo: local" in result.stdout and "runs-on: ubuntu-latest" in result.stdout
    written = (root / ".safety-lint.yaml").read_text(encoding="utf-8")
    checked = cli(root, "check")
    assert checked.returncode in (0, 1), checked.stderr
    assert "error:" not in checked.stderr
    assert "no configuration found" not in checked.stderr
    assert cli(root, "config").returncode == 0
    if shape == "commands":
        assert '# frontmatter-keys: ["shortcut"]' in written
    if shape == "plugin":
        assert "A Claude Code plugin" in written
    again = cli(root, "init")  # never overwritten without asking (no terminal: refused)
    assert again.returncode == 2 and "exists; not overwritten" in again.stderr
    assert (root / ".safety-lint.yaml").read_text(encoding="utf-8") == written


def test_init_appends_to_pyproject_and_keeps_what_was_there(tmp_path: Path) -> None:
    before = '[project]\r\nname = "ops"\r\n'
    (tmp_path / "pyproject.toml").write_bytes(before.encode())
    assert cli(tmp_path, "init", "--pyproject").returncode == 0
    after = (tmp_path / "pyproject.toml").read_bytes().decode()
    assert after.startswith(before) and "[tool.safety-lint]\r\n" in after
    assert "\n" not in after.replace("\r\n", "")  # CRLF kept throughout
    assert cli(tmp_path, "check").returncode in (0, 1)
    assert "pyproject.toml" in cli(tmp_path, "config").stdout
    again = cli(tmp_path, "init", "--pyproject")
    assert again.returncode == 2 and "already has [tool.safety-lint]" in again.stderr


# 9 ------------------------------------------------------------------------------------------


def test_two_configuration_files_say_which_is_used(team: Path) -> None:
    (team / "pyproject.toml").write_text(
        '[tool.safety-lint]\nignore = ["PS101"]\n', encoding="utf-8"
    )
    result = cli(team, "check")
    assert (
        f"{team}: both .safety-lint.yaml and pyproject.toml [tool.safety-lint]; using "
        ".safety-lint.yaml, pyproject.toml [tool.safety-lint] is ignored"
    ) in result.stderr


# 10 -----------------------------------------------------------------------------------------


def test_status_groups_by_class_and_lists_what_applies(team: Path) -> None:
    text = cli(team, "status").stdout
    read_only = text.index("### Read-only Commands")
    deployment = text.index("### Deployment Commands Updated with Production Confirmation")
    entry = text.index("**`/list-keys`**")
    assert read_only < entry and not deployment < entry < read_only
    block = text[entry : text.index("\n\n", entry)]
    assert "ProductionConfirmed" not in block and "agent" not in block.lower()


# 11 -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "hint", ["[message]", "[pr-number] [priority] [assignee]", "<file> [--force]"]
)
def test_claude_codes_documented_argument_hints_are_not_warned(team: Path, hint: str) -> None:
    _edit(
        team / ".claude/commands/list-keys.md",
        "safety-class:",
        f"argument-hint: {hint}\nsafety-class:",
    )
    result = cli(team, "check")
    assert "PS003" not in result.stdout and result.returncode == 0, result.stdout


def test_what_claude_code_would_misread_is_warned(team: Path) -> None:
    _edit(
        team / ".claude/commands/list-keys.md",
        "safety-class:",
        "argument-hint: [scope: full]\nsafety-class:",
    )
    assert ".claude/commands/list-keys.md:3:1: PS003 frontmatter-yaml" in cli(team, "check").stdout


# 12 -----------------------------------------------------------------------------------------

TEAM_PACK = """\
sections:
  rollback:
    heading: Rollback
    level: 2
{fix}
templates:
  rollback: |
    ## Rollback

    Roll back {{name}} with the previous release tag.
rules:
  - code: TM002
    name: rollback-section
    severity: error
    check: section
    applies: [{{kind: command, class: [deployment]}}]
    options: {{section: rollback}}
    todo: Add a Rollback section
    doc: {{what: w, why: y, fix: f, example: e, failing: g}}
"""


@pytest.mark.parametrize("with_template", [True, False])
def test_a_team_section_rule_is_fixable_exactly_when_it_has_a_template(
    team: Path, with_template: bool
) -> None:
    (team / "policy").mkdir()
    fix = "    fix: {template: rollback, place: end}" if with_template else ""
    (team / "policy/team.yaml").write_text(TEAM_PACK.format(fix=fix), encoding="utf-8")
    (team / ".safety-lint.yaml").write_text(
        "core-documents: [CLAUDE.md]\nrules: [policy]\n", encoding="utf-8"
    )
    line = next(x for x in cli(team, "check").stdout.splitlines() if "TM002" in x)
    assert line.startswith(".claude/commands/rotate-keys.md:8:1: TM002 rollback-section")
    assert ("[*]" in line) == with_template
    explained = cli(team, "explain", "rollback-section").stdout
    assert ("Fixable: yes" in explained) == with_template
    fixed = cli(team, "check", "--fix")
    assert fixed.returncode == (0 if with_template else 1), fixed.stderr
    assert "internal error" not in fixed.stderr
    text = (team / ".claude/commands/rotate-keys.md").read_text(encoding="utf-8")
    assert ("Roll back /rotate-keys with the previous release tag." in text) == with_template


def test_a_team_template_fix_cannot_fill_is_refused_at_load(team: Path) -> None:
    (team / "policy").mkdir()
    pack = TEAM_PACK.format(fix="    fix: {template: rollback}").replace("{name}", "{owner}")
    (team / "policy/team.yaml").write_text(pack, encoding="utf-8")
    (team / ".safety-lint.yaml").write_text("rules: [policy]\n", encoding="utf-8")
    result = cli(team, "check")
    assert result.returncode == 2
    assert re.search(r"team\.yaml:\d+: template 'rollback' uses \{owner\}", result.stderr)


# 13 -----------------------------------------------------------------------------------------


def test_new_help_and_paths(team: Path) -> None:
    usage = cli(team, "new", "--help").stdout
    assert "{kind}:" not in usage and "{command|skill|agent} {NAME}" in usage
    for kind in ("command", "agent"):
        result = cli(team, "new", kind, f"more-{kind}", "--class", "read-only")
        assert result.stderr.strip() == f"wrote .claude/{kind}s/more-{kind}.md"


def test_option_typos_get_only_close_suggestions(team: Path) -> None:
    bogus = cli(team, "check", "--bogus")
    assert bogus.returncode == 2 and "Possible options" not in bogus.stderr
    assert "Possible options: --select" in cli(team, "check", "--selct", "x").stderr


def test_status_check_suggests_the_command_that_fixes_it(team: Path) -> None:
    result = cli(team, "status", "--check", "--path", "runbooks/safety.md")
    assert result.returncode == 1
    assert "run `safety-lint status --write --path runbooks/safety.md`" in result.stderr


def test_colour_follows_force_color_and_no_color(team: Path) -> None:
    _edit(team / ".claude/commands/rotate-keys.md", "## ⚠️ PRODUCTION SAFETY ⚠️", "## Safety")
    assert "\x1b[" in cli(team, "check", NO_COLOR="", FORCE_COLOR="1").stdout
    assert "\x1b[" not in cli(team, "check", NO_COLOR="1", FORCE_COLOR="1").stdout
    assert "\x1b[" not in cli(team, "check", NO_COLOR="", TERM="dumb").stdout


def test_a_file_that_is_not_ours_is_named(team: Path) -> None:
    (team / "notes.txt").write_text("shopping list\n", encoding="utf-8")
    result = cli(team, "check", "notes.txt")
    assert result.returncode == 0
    assert "notes.txt: not a command, agent, skill or core document; not checked" in result.stderr


def test_a_missing_core_document_is_not_counted_as_a_checked_file(team: Path) -> None:
    (team / ".safety-lint.yaml").write_text(
        "core-documents: [CLAUDE.md, runbooks/safety.md]\n", encoding="utf-8"
    )
    result = cli(team, "check")
    assert result.returncode == 1
    assert (
        "4 files checked: 4 passed, 0 failed, 0 in error; 1 core document missing; 1 error, 0 warnings"
        in result.stdout
    )
    assert (
        "runbooks/safety.md:1:1: PS001 unreadable-file core document `runbooks/safety.md` is missing"
        in (result.stdout)
    )
