"""The documented examples of the rules for skills are tests too: each passing example (a
frontmatter block) over a deployment skill's body passes the rule, each failing one fails it."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import FIXTURES, run_repo

from safety_lint.rulepack import RulePack

BODY = (FIXTURES / "rules/skills/skill-deploy-ok/SKILL.md").read_text().split("---\n", 2)[2]


def _violations(frontmatter: str, tmp_path: Path, name: str) -> set[str]:
    root = tmp_path / name
    skill = root / ".claude/skills/example/SKILL.md"
    skill.parent.mkdir(parents=True)
    head = frontmatter.strip()
    if "argument-hint" not in head:  # the body's parameters make it a deployment skill
        head = head.replace("---\n", "---\nargument-hint: <dataset> [--environment=test|prod]\n", 1)
    skill.write_text(head + "\n" + BODY)
    result = next(r for r in run_repo(root).results if r.kind == "skill")
    assert result.cls == "deployment", result
    return {v.rule for v in result.violations}


@pytest.mark.parametrize("code", ["PS408", "PS409", "PS410"])
def test_documented_examples(code: str, pack: RulePack, tmp_path: Path) -> None:
    rule = pack.find(code)
    assert rule is not None
    assert code not in _violations(rule.doc["example"], tmp_path, "passing")
    assert code in _violations(rule.doc["failing"], tmp_path, "failing")
