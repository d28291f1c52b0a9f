"""Documentation kept in sync with the rule pack."""

from __future__ import annotations

from conftest import PROJECT

from safety_lint.ruledoc import explain, rules_markdown
from safety_lint.rulepack import default_pack


def test_rules_md_is_generated_from_the_rule_pack() -> None:
    on_disk = (PROJECT / "docs/rules.md").read_text(encoding="utf-8")
    assert on_disk == rules_markdown(default_pack()), (
        "run: python -m safety_lint.ruledoc > docs/rules.md"
    )


def test_explain_prints_the_same_text_as_the_docs() -> None:
    pack = default_pack()
    on_disk = (PROJECT / "docs/rules.md").read_text(encoding="utf-8")
    for rule in pack.rules:
        assert explain(rule, pack) in on_disk


def test_readme_lists_every_rule() -> None:
    readme = (PROJECT / "README.md").read_text(encoding="utf-8")
    for rule in default_pack().rules:
        assert f"| {rule.code} | {rule.name} |" in readme, rule.code


def test_readme_rule_example_is_a_valid_rule_pack(tmp_path) -> None:  # type: ignore[no-untyped-def]
    import re

    from safety_lint.rulepack import bundled_rules_dir, load_pack

    readme = (PROJECT / "README.md").read_text(encoding="utf-8")
    block = re.search(r"```yaml\n(rules:\n  - code: TM001.*?)```", readme, re.S)
    assert block
    (tmp_path / "team.yaml").write_text(block.group(1))
    pack = load_pack([bundled_rules_dir(), tmp_path])
    assert pack.find("rollback-plan") is not None
