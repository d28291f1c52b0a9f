"""Every rule against annotated fixture files: `fixtures/rules/`.

Commands and agents are copied into one temporary repository and checked as explicit files
(the way pre-commit runs), so each file's violations must equal its `expect:` annotations,
code and line. Core documents are checked as whole repositories.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from conftest import FIXTURES, expectations, run_repo

from safety_lint.model import FileResult
from safety_lint.rulepack import RulePack

RULE_FIXTURES = FIXTURES / "rules"
COMMANDS = sorted((RULE_FIXTURES / "commands").glob("*.md"))
AGENTS = sorted((RULE_FIXTURES / "agents").glob("*.md"))
SKILLS = sorted((RULE_FIXTURES / "skills").glob("*/SKILL.md"))  # each with its bundled files


@pytest.fixture(scope="module")
def rule_results(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[Path, FileResult]]:
    root = tmp_path_factory.mktemp("rules-repo")
    copied = []
    for sources, folder in (
        (COMMANDS, ".claude/commands/project"),
        (AGENTS, ".claude/agents/project"),
    ):
        (root / folder).mkdir(parents=True)
        for src in sources:
            shutil.copy(src, root / folder / src.name)
            copied.append((src, root / folder / src.name))
    for src in SKILLS:
        folder = root / ".claude/skills" / src.parent.name
        shutil.copytree(src.parent, folder)
        copied.append((src, folder / "SKILL.md"))
    run = run_repo(root, [dst for _, dst in copied])
    by_path = {r.path: r for r in run.results}
    return {_key(src): (src, by_path[dst.relative_to(root).as_posix()]) for src, dst in copied}


def _key(src: Path) -> str:
    if src.name == "SKILL.md":
        return f"skills/{src.parent.name}"
    return src.name if src.parent.name == "commands" else f"agents/{src.name}"


def _found(result: FileResult) -> set[tuple[str, int]]:
    return {(v.rule, v.line) for v in result.violations}


@pytest.mark.parametrize(
    "fixture",
    [p.name for p in COMMANDS]
    + [f"agents/{p.name}" for p in AGENTS]
    + [f"skills/{p.parent.name}" for p in SKILLS],
)
def test_fixture_violations_match_annotations(
    fixture: str, rule_results: dict[str, tuple[Path, FileResult]], pack: RulePack
) -> None:
    src, result = rule_results[fixture]
    assert _found(result) == expectations(src), "\n".join(
        f"{v.line}: {v.rule} {v.requirement} {v.message}" for v in result.violations
    )
    for v in result.violations:
        rule = pack.find(v.rule)
        assert rule is not None and rule.name == v.requirement


def test_documents_pass(tmp_path: Path) -> None:
    root = shutil.copytree(RULE_FIXTURES / "documents" / "pass", tmp_path / "repo")
    run = run_repo(root)
    assert [(r.path, r.status) for r in run.results] == [
        ("CLAUDE.md", "pass"),
        ("docs/guides/agent-guide.md", "pass"),
        ("docs/guides/dataset-deployment-guide.md", "pass"),
        ("docs/standards/production-safety-rules.md", "pass"),
    ]


def test_documents_fail(tmp_path: Path) -> None:
    src = RULE_FIXTURES / "documents" / "fail"
    root = shutil.copytree(src, tmp_path / "repo")
    run = run_repo(root)
    by_path = {r.path: r for r in run.results}
    for rel in (
        "CLAUDE.md",
        "docs/guides/agent-guide.md",
        "docs/guides/dataset-deployment-guide.md",
    ):
        assert _found(by_path[rel]) == expectations(src / rel), rel
    missing = by_path["docs/standards/production-safety-rules.md"]
    assert missing.status == "fail"
    assert [(v.rule, v.requirement, v.line) for v in missing.violations] == [
        ("PS304", "rules-present", 1)
    ]


def test_claude_md_names_the_part_that_misses_the_reference(tmp_path: Path) -> None:
    root = shutil.copytree(RULE_FIXTURES / "documents" / "fail", tmp_path / "repo")
    result = next(r for r in run_repo(root).results if r.path == "CLAUDE.md")
    (violation,) = result.violations
    assert "development-standards part" in violation.message
    assert "infrastructure/deployment part" in violation.message


def test_every_rule_has_a_passing_and_a_failing_fixture(
    rule_results: dict[str, tuple[Path, FileResult]], pack: RulePack, tmp_path: Path
) -> None:
    failing = {code for src, _ in rule_results.values() for code, _ in expectations(src)}
    passing = {name for _, result in rule_results.values() for name in result.met}
    docs = shutil.copytree(RULE_FIXTURES / "documents", tmp_path / "docs")
    for result in run_repo(docs / "pass").results:
        passing.update(result.met)
    for path in (docs / "fail").rglob("*.md"):
        failing.update(code for code, _ in expectations(path))
    failing.add("PS304")  # the missing rules document, asserted in test_documents_fail
    failing.add("PS407")  # two files, asserted in test_unique_command_name
    for rule in pack.rules:
        if rule.check == "builtin":
            continue
        assert rule.code in failing, f"{rule.code} {rule.name} has no failing fixture"
        assert rule.name in passing, f"{rule.code} {rule.name} has no passing fixture"


def test_unique_command_name(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    for folder in ("project", "legacy"):
        (root / ".claude/commands" / folder).mkdir(parents=True)
        shutil.copy(
            RULE_FIXTURES / "commands/deploy-no-agent.md",
            root / ".claude/commands" / folder / "deploy.md",
        )
    shutil.copy(
        RULE_FIXTURES / "commands/deploy-no-agent.md", root / ".claude/commands/project/other.md"
    )
    by_path = {
        r.path: r for r in run_repo(root, [root / ".claude/commands/project/deploy.md"]).results
    }
    (result,) = by_path.values()
    found = [(v.rule, v.line, v.severity) for v in result.violations if v.rule == "PS407"]
    assert found == [("PS407", 1, "warning")]
    assert "also defined by .claude/commands/legacy/deploy.md" in result.violations[-1].message
    assert result.status == "pass"  # a warning does not fail the file


def test_agent_exists_knows_external_agents(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    (root / ".claude/commands").mkdir(parents=True)
    shutil.copy(RULE_FIXTURES / "commands/invokes-missing-agent.md", root / ".claude/commands/a.md")
    assert [v.rule for r in run_repo(root).results for v in r.violations if v.rule == "PS402"] == [
        "PS402"
    ]
    (root / ".safety-lint.yaml").write_text(
        "core-documents: []\nexternal-agents: [dataset-history-reader]\n"
    )
    assert [v.rule for r in run_repo(root).results for v in r.violations] == []


def test_agent_exists_suggests_the_closest_agent_once_per_name(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    (root / ".claude/commands").mkdir(parents=True)
    (root / ".claude/agents").mkdir(parents=True)
    (root / ".claude/agents/dataset-history-readers.md").write_text(
        "---\nname: dataset-history-readers\ndescription: Reads history\ntools: Read\n---\n# R\n"
    )
    for name in ("a", "b"):  # the same misspelt agent in two commands
        shutil.copy(
            RULE_FIXTURES / "commands/invokes-missing-agent.md",
            root / f".claude/commands/{name}.md",
        )
    messages = [
        v.message for r in run_repo(root).results for v in r.violations if v.rule == "PS402"
    ]
    assert (
        messages
        == [
            "invokes agent `dataset-history-reader`, but no agent of the repository has that name or"
            " stem; did you mean `dataset-history-readers`?"
        ]
        * 2
    )


def test_closest_agent_is_worked_out_again_when_the_agents_change() -> None:
    from safety_lint.checks.repository import AgentFacts, Facts

    facts = Facts(agents={"deployer": AgentFacts("a.md", None, False)})
    assert facts.closest_agent("deployr") == "deployer"
    assert facts.closest_agent("reviewer") is None
    facts.agents["reviewers"] = AgentFacts("b.md", None, False)
    assert facts.closest_agent("reviewer") == "reviewers"
