"""Classification order and evidence (policy §2)."""

from __future__ import annotations

from pathlib import Path

from safety_lint.classify import classify, tool_names
from safety_lint.model import Target
from safety_lint.parse import parse_text
from safety_lint.rulepack import default_pack

AGENT = ".claude/agents/x.md"
COMMAND = ".claude/commands/x.md"


def decide(rel: str, text: str, overrides=(), agents=None):  # type: ignore[no-untyped-def]
    kind = "agent" if "/agents/" in rel else "command"
    doc = parse_text(Target(Path("/r") / rel, rel, kind), text)  # type: ignore[arg-type]
    return classify(doc, default_pack(), overrides, agents)


def test_declared_class_wins_over_everything() -> None:
    c = decide(COMMAND, "---\nsafety-class: read-only\nargument-hint: --environment=prod\n---\n")
    assert (c.cls, c.source) == ("read-only", "declared")
    assert c.evidence[0].line == 2


def test_invalid_declared_class_is_unclassified_with_the_reason() -> None:
    c = decide(COMMAND, "---\nsafety-class: prod\n---\n")
    assert c.cls is None and "'prod' is not one of" in c.unclassified_reason


def test_configuration_override_comes_second() -> None:
    c = decide(
        COMMAND, "---\nargument-hint: --environment=prod\n---\n", [(".claude/commands/*", "batch")]
    )
    assert (c.cls, c.source) == ("batch", "config")


def test_agent_without_mutating_tools_is_read_only_whatever_it_says() -> None:
    text = "---\ntools: Read, Grep, Glob, WebFetch\n---\n# A\n\n```bash\nterraform apply\n```\n"
    c = decide(AGENT, text)
    assert (c.cls, c.source) == ("read-only", "tools")


def test_agent_with_a_mutating_tool_is_inferred() -> None:
    for tools in ("Read, Bash(git:*)", "[Read, Edit]", "mcp__db__query", "*"):
        c = decide(AGENT, f"---\ntools: {tools}\n---\n# A\n\n```bash\nterraform apply\n```\n")
        assert (c.cls, c.source) == ("deployment", "inferred"), tools


def test_tool_names() -> None:
    assert tool_names("Read, Bash(git add:*, git commit:*), Grep") == [
        "Read",
        "Bash(git add:*, git commit:*)",
        "Grep",
    ]
    assert tool_names(["Read", "Write"]) == ["Read", "Write"]
    assert tool_names("*") == ["*"]
    assert tool_names(None) is None


def test_environment_parameter_makes_a_command_deployment() -> None:
    c = decide(COMMAND, "---\nargument-hint: <x> [--environment=test|prod]\n---\n# C\n")
    assert c.cls == "deployment"
    assert [(e.line, e.rule) for e in c.evidence] == [(2, "environment-parameter")]


def test_batch_signals_make_it_batch() -> None:
    c = decide(COMMAND, "---\nargument-hint: <op> [--all] [--environment=prod]\n---\n# C\n")
    assert c.cls == "batch"


def test_a_deploy_command_shown_as_what_not_to_do_is_not_evidence() -> None:
    text = "# A\n\nNever run this yourself:\n\n```bash\nkubectl apply -f prod.yaml\n```\n"
    assert decide(COMMAND, text).cls == "read-only"
    text = "# A\n\nRun:\n\n```bash\nkubectl apply -f prod.yaml\n```\n"
    c = decide(COMMAND, text)
    assert c.cls == "deployment" and c.evidence[0].line == 6


def test_delegation_to_a_deployment_agent() -> None:
    text = "# C\n\n1. Invoke the `dataset-deployer` agent for the stack.\n"
    assert decide(COMMAND, text, agents={"dataset-deployer": "read-only"}).cls == "read-only"
    c = decide(COMMAND, text, agents={"dataset-deployer": "deployment"})
    assert c.cls == "deployment" and c.evidence[0].rule == "delegation"


def test_topic_words_alone_decide_nothing() -> None:
    text = "---\ndescription: Senior deployment engineer for production-ready pipelines\n---\n# Deployment Engineer\n"
    assert decide(AGENT, text).cls == "read-only"


def test_weak_and_contradictory_evidence_is_unclassified() -> None:
    weak = decide(COMMAND, "# C\n\n1. Run the data load for the reports.\n")
    assert weak.cls is None and "weak evidence" in weak.unclassified_reason
    said = decide(COMMAND, "# C\n\nThis command is read-only.\n\n1. Deploy the service.\n")
    assert said.cls is None and "contradictory" in said.unclassified_reason


def test_a_command_it_runs_outweighs_a_read_only_statement() -> None:
    """The decision table: what the file runs is concrete; a claim about itself is not."""
    both = decide(
        COMMAND, "# C\n\nThis command is read-only.\n\n```bash\nkubectl apply -f x\n```\n"
    )
    assert both.cls == "deployment" and "line 6" in both.decided_by
