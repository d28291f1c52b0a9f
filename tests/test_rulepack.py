"""The rule pack: shipped, valid, documented; bad packs fail with file and line."""

from __future__ import annotations

from pathlib import Path

import pytest

from safety_lint.rulepack import RulePackError, bundled_rules_dir, load_pack

SPEC_IDS = [
    "production-safety-section",
    "default-test",
    "prod-high-risk",
    "stop-immediately",
    "production-warning",
    "three-questions",
    "proceed-only-if-confirmed",
    "cancel-on-failure",
    "no-exceptions",
    "agent-flag",
    "batch-section",
    "four-questions",
    "batch-impact",
    "confirm-once",
    "dry-run-recommended",
    "dry-run-exempt",
    "complete-once",
    "code-only-note",
    "critical-protocol-section",
    "critical-protocol-first",
    "never-without-confirmation",
    "check-env-at-start",
    "flag-false",
    "flag-true",
    "defense-in-depth",
    "no-auto-deploy",
    "environment-pass-through",
    "environment-handling-section",
    "no-confirmation-needed",
    "no-changes",
    "respect-environment",
    "claude-md-reference",
    "deployment-guide-reference",
    "agent-guide-reference",
    "rules-present",
    "unclassified",
]


def test_every_requirement_id_of_the_spec_has_a_documented_rule() -> None:
    pack = load_pack([bundled_rules_dir()])
    names = {r.name for r in pack.rules}
    assert set(SPEC_IDS) <= names
    codes = [r.code for r in pack.rules]
    assert len(codes) == len(set(codes)) and codes == sorted(codes)
    for rule in pack.rules:
        assert all(rule.doc[k].strip() for k in ("what", "why", "fix", "example", "failing")), (
            rule.code
        )
        if rule.check != "builtin":
            assert rule.todo, rule.code


def write(folder: Path, text: str) -> Path:
    folder.mkdir(exist_ok=True)
    (folder / "pack.yaml").write_text(text)
    return folder


RULE = """rules:
  - code: PS900
    name: my-rule
    severity: error
    check: statement
    applies: [{kind: command}]
    options: {patterns: ['x']}
    doc: {what: w, why: y, fix: f, example: e, failing: x}
"""


def test_an_extra_pack_adds_rules(tmp_path: Path) -> None:
    pack = load_pack([bundled_rules_dir(), write(tmp_path / "extra", RULE)])
    assert pack.find("PS900") is not None and pack.find("my-rule") is not None


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            ("severity: error", "severity: fatal"),
            "pack.yaml:4: 'severity' is 'fatal'; expected one of error, warning",
        ),
        (("check: statement", "check: statment"), "pack.yaml:5: 'check' is 'statment'"),
        (
            ("    options:", "    optons:"),
            "pack.yaml:7: unknown key 'optons' in a rule; did you mean 'options'?",
        ),
        (("['x']", "['(x']"), "bad regular expression '(x'"),
        (("name: my-rule", "name: My_Rule"), "pack.yaml:3: rule name 'My_Rule' must be kebab-case"),
        (("name: my-rule", "name: three-questions"), "duplicate rule 'three-questions'"),
        (("kind: command", "kind: comand"), "'kind' is 'comand'"),
        (
            ("doc: {what: w, why: y, fix: f, example: e, failing: x}", "doc: {what: w}"),
            "is missing 'why'",
        ),
        (("rules:", "rules: [\n"), "invalid YAML"),
    ],
)
def test_bad_pack_names_file_and_line(
    tmp_path: Path, change: tuple[str, str], message: str
) -> None:
    folder = write(tmp_path / "bad", RULE.replace(*change))
    with pytest.raises(RulePackError) as err:
        load_pack([bundled_rules_dir(), folder])
    assert message in str(err.value)
    assert str(folder / "pack.yaml") in str(err.value)
