"""A rule's documented examples are tests: its `example` passes, its `failing` example fails.

Each example is put in a file the rule applies to: the rule's kind and first class, inside
its required section unless the example has its own headings, with frontmatter unless it has
its own. Rules that need more than one file (the repository rules) or that judge how a file
is read (the builtin ones) are documented by their own tests.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from conftest import run_repo

from safety_lint.model import FileResult
from safety_lint.rulepack import Rule, default_pack

PACK = default_pack()
OWN_TESTS = ("builtin", "repository", "exists")
RULES = [r for r in PACK.rules if r.check not in OWN_TESTS]


def _file(rule: Rule, snippet: str) -> tuple[str, str]:
    """(path, text) of a file that holds the snippet where the rule looks."""
    where = rule.applies[0]
    if where.kind == "document":
        assert where.path is not None
        return where.path, snippet
    body = snippet
    if where.section is not None and not re.search(r"(?m)^#{2,6} ", snippet):
        spec = PACK.sections[where.section]
        body = f"{'#' * spec.level} {spec.heading}\n\n{snippet}"
    if not re.search(r"(?m)^# ", body) and not body.startswith("---"):
        body = f"# Example\n\n{body}"
    cls = where.classes[0] if where.classes else "deployment"
    # The mutation rule reads the classifier's evidence, which a declared class skips.
    declared = "" if rule.check == "confirm-before-mutation" else f"safety-class: {cls}\n"
    if body.startswith("---\n"):
        body = "---\n" + declared + body[4:]
    else:
        hint = "argument-hint: <x> [--environment=test|prod]\n" if where.kind == "command" else ""
        body = f"---\nname: example\ndescription: An example\n{hint}{declared}---\n{body}"
    if where.kind == "skill":
        return ".claude/skills/example/SKILL.md", body
    folder = ".claude/commands" if where.kind == "command" else ".claude/agents"
    return f"{folder}/example.md", body


def _lint(tmp_path: Path, rule: Rule, snippet: str) -> FileResult:
    rel, text = _file(rule, snippet)
    path = tmp_path / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    (tmp_path / ".safety-lint.yaml").write_text("external-agents: [dataset-deployer]\n")
    results = {r.path: r for r in run_repo(tmp_path, [path]).results}
    return results[rel]


@pytest.mark.parametrize("rule", RULES, ids=[r.code for r in RULES])
def test_the_example_passes(rule: Rule, tmp_path: Path) -> None:
    result = _lint(tmp_path, rule, rule.doc["example"])
    assert rule.code not in [v.rule for v in result.violations], result.violations
    if rule.check == "statement":
        assert rule.name in result.met  # checked, not skipped


@pytest.mark.parametrize("rule", RULES, ids=[r.code for r in RULES])
def test_the_failing_example_fails(rule: Rule, tmp_path: Path) -> None:
    result = _lint(tmp_path, rule, rule.doc["failing"])
    assert rule.code in [v.rule for v in result.violations], result.violations
