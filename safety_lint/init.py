"""`safety-lint init`: a commented configuration from what the repository holds, and the
pre-commit and CI snippets to run it. Pure functions; the command line writes the file."""

from __future__ import annotations

import json
import subprocess
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from .config import Config
from .engine import lint, select
from .kinds import table as kinds_table
from .parse import parse_file
from .rulepack import RulePack

CONFIG_NAME = ".safety-lint.yaml"


@dataclass
class Survey:
    """What `init` found in the repository."""

    root: Path
    commands: int = 0
    agents: int = 0
    documents: list[str] = field(default_factory=list)  # core documents to require
    absent: list[str] = field(default_factory=list)  # bundled core documents not here
    plugin: bool = False  # a Claude Code plugin layout (.claude-plugin/plugin.json)
    unknown_keys: list[str] = field(default_factory=list)  # frontmatter keys Claude Code lacks


def survey(root: Path, pack: RulePack) -> Survey:
    """Look at the repository the way `check` will."""
    from .check import Selector

    found = Survey(root)
    claude = (root / ".claude").is_dir()
    found.documents = [
        d
        for d in pack.core_documents
        if (root / d).is_file() or (claude and d in pack.required_documents)
    ]
    found.absent = [d for d in pack.core_documents if d not in found.documents]
    found.plugin = (root / ".claude-plugin" / "plugin.json").is_file()
    config = Config(core_documents=[])
    selection = select(root, [], pack, config)
    kinds = kinds_table(pack)  # skills are counted as the commands they are
    found.commands = sum(kinds.checked_as(t.kind) == "command" for t in selection.targets)
    found.agents = sum(t.kind == "agent" for t in selection.targets)
    # The keys the frontmatter rules report: a finding sits on its key's line.
    keys_rules = frozenset(r.code for r in pack.rules if r.check == "frontmatter-keys")
    if keys_rules and selection.targets:
        run = lint(selection, pack, config, Selector(select=keys_rules))
        targets = {t.rel: t for t in selection.targets}
        unknown: set[str] = set()
        for result in run.results:
            if not result.violations:
                continue
            fm = parse_file(targets[result.path], config.max_file_size).frontmatter
            at = {line: key for key, line in fm.key_lines.items()}
            unknown.update(
                at[v.line]
                for v in result.violations
                if v.line in at and "frontmatter key" in v.message  # not a value finding
            )
        found.unknown_keys = sorted(unknown)
    return found


def _yaml_list(items: list[str]) -> str:
    return "[" + ", ".join(json.dumps(i, ensure_ascii=False) for i in items) + "]"


def _lines(found: Survey, comment: str, assign: str) -> list[str]:
    """The configuration's lines; `assign` is `: ` (YAML) or ` = ` (TOML)."""
    c = comment
    what = f"{found.commands} commands and {found.agents} agents"
    out = [
        f"{c} safety-lint configuration, written by `safety-lint init` on {date.today()}.",
        f"{c} Found: {what}. `safety-lint config` shows what is in force; every key is optional.",
    ]
    if not (found.root / ".claude").is_dir():
        out.append(
            f"{c} No .claude/ folder here: commands go in .claude/commands, agents in"
            " .claude/agents."
        )
    out += [
        "",
        f"{c} Core documents that must reference the production-safety rules. A listed file",
        f"{c} that does not exist is reported missing; add your own guides here.",
        f"core-documents{assign}{_yaml_list(found.documents)}",
    ]
    if found.absent:
        out.append(f"{c} Not in this repository (bundled defaults): {', '.join(found.absent)}")
    out += [
        "",
        f"{c} Frontmatter keys of your own (read by your tooling), so `known-frontmatter`",
        f"{c} (PS406) does not warn about them. A typo belongs fixed in the file, not here.",
    ]
    if found.unknown_keys:
        out.append(f"{c} Keys Claude Code does not know, found in your files:")
    out.append(f"{c} frontmatter-keys{assign}{_yaml_list(found.unknown_keys)}")
    out += [
        "",
        f"{c} Agents your commands invoke that live outside the repository (~/.claude/agents,",
        f"{c} plugins), so `agent-exists` (PS402) knows them.",
        f'{c} external-agents{assign}["code-reviewer"]',
        "",
        f"{c} Rules to skip or soften, by code or name (`safety-lint rules` lists them).",
        f'{c} ignore{assign}["dry-run-recommended"]',
        f'{c} fail-on{assign}"warning"   {c} warnings fail the run too (default: error)',
    ]
    if found.plugin:
        out += [
            "",
            f"{c} A Claude Code plugin (.claude-plugin/plugin.json)."
            + (
                ""
                if found.commands or found.agents
                else " No command or agent was found where safety-lint looks"
                " (.claude/commands, .claude/agents)."
            ),
        ]
    return out


def render_yaml(found: Survey) -> str:
    return "\n".join(_lines(found, "#", ": ")) + "\n"


def render_toml(found: Survey) -> str:
    """A `[tool.safety-lint]` table to append to pyproject.toml."""
    return "\n".join(["[tool.safety-lint]", *_lines(found, "#", " = ")]) + "\n"


def _git(folder: Path, *args: str) -> str | None:
    try:
        out = subprocess.run(
            ["git", *args], cwd=folder, capture_output=True, text=True, check=False, timeout=10
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip() if out.returncode == 0 and out.stdout.strip() else None


def self_source() -> tuple[str, str] | None:
    """(where, commit) when safety-lint runs from a git clone: the clone's remote URL (else
    its path) and its commit, so the snippets name a version that exists."""
    here = Path(__file__).resolve().parent.parent
    if not (here / ".pre-commit-hooks.yaml").is_file():
        return None  # an installed wheel: no clone to point at
    commit = _git(here, "rev-parse", "HEAD")
    if commit is None:
        return None
    return _git(here, "remote", "get-url", "origin") or str(here), commit


PRE_COMMIT = """\
repos:
  - repo: local
    hooks:
      - id: safety-lint
        name: safety-lint
        entry: safety-lint check
        language: system
        files: ^(\\.claude/(commands|agents)/.*\\.md|CLAUDE\\.md|docs/.*\\.md)$
        require_serial: true
"""


def snippets(source: tuple[str, str] | None) -> str:
    """What `init` prints: the pre-commit hook and a CI job."""
    where, commit = source or ("<git URL of safety-lint>", "<commit>")
    if "://" not in where:  # a clone on this machine: CI needs the URL it was cloned from
        where = "<git URL of safety-lint>"
    install = f"git+{where}@{commit}"
    ci = f"""\
name: safety-lint
on: [pull_request, push]
jobs:
  safety-lint:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - uses: actions/setup-python@v5
        with: {{python-version: "3.12"}}
      - run: pip install "{install}"
      - run: safety-lint check
"""
    return (
        "Add to .pre-commit-config.yaml (runs the safety-lint on your PATH):\n\n"
        + PRE_COMMIT
        + f"\nA CI job, .github/workflows/safety-lint.yml (safety-lint at {commit}):\n\n"
        + ci
    )
