"""Kind `repository`: checks that need other files of the repository (spec §8).

The engine gathers `Facts` about every agent and command first; these functions then judge
one file against them. Their findings go through suppressions and selection like any other.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache

from ..model import Document
from ..rulepack import Rule
from .base import CheckResult, Finding


@dataclass(frozen=True)
class AgentFacts:
    path: str
    cls: str | None
    checks_flag: bool  # meets flag-true and flag-false


@dataclass
class Facts:
    """What the repository holds: agents by every name they answer to, commands by /name."""

    agents: dict[str, AgentFacts] = field(default_factory=dict)
    commands: dict[str, list[str]] = field(default_factory=dict)


@lru_cache(maxsize=16)
def _compiled(patterns: tuple[str, ...]) -> tuple[re.Pattern[str], ...]:
    return tuple(re.compile(p, re.IGNORECASE) for p in patterns)


# Every invocation form names one of these words; a block without any is skipped unsearched.
_HINT = re.compile(r"agent|task\(", re.IGNORECASE)


def invocations(doc: Document, patterns: Sequence[str]) -> list[tuple[str, int]]:
    """(agent name, line) for every agent the file invokes by name, in text and code."""
    compiled = _compiled(tuple(patterns))
    out: list[tuple[str, int]] = []
    for block in doc.blocks:
        if block.type not in ("text", "code") or (block.type == "text" and not block.counts):
            continue
        if not _HINT.search(block.text):
            continue
        offset = 1 if block.type == "code" else 0
        for pattern in compiled:
            for m in pattern.finditer(block.text):
                name = next((g for g in m.groups() if g), "")
                if name and ":" not in name:  # plugin:agent names live outside the repository
                    line = block.line + offset + block.text.count("\n", 0, m.start())
                    out.append((name.lower(), line))
    return sorted(set(out), key=lambda x: (x[1], x[0]))


def agent_exists(rule: Rule, doc: Document, facts: Facts) -> CheckResult:
    builtin = {str(a).lower() for a in rule.options.get("builtin-agents", [])}
    found = invocations(doc, rule.options["patterns"])
    if not found:
        return None  # invokes no agent: the rule does not apply (and is not "met")
    findings = []
    for name, line in found:
        if name in facts.agents or name in builtin or name == doc.name.lower():
            continue
        close = difflib.get_close_matches(name, sorted(facts.agents), n=1, cutoff=0.8)
        hint = f"; did you mean `{close[0]}`?" if close else ""
        findings.append(
            Finding(
                line,
                f"invokes agent `{name}`, but no agent in .claude/agents has that name or stem"
                + hint,
            )
        )
    return findings


def agent_flag_target(rule: Rule, doc: Document, facts: Facts) -> CheckResult:
    if not any(re.search(r"production_?confirmed", b.text, re.I) for b in doc.blocks):
        return None  # passes no flag: the rule does not apply (and is not "met")
    findings = []
    for name, line in invocations(doc, rule.options["patterns"]):
        agent = facts.agents.get(name)
        if agent is None:
            continue  # agent-exists reports it
        if agent.cls not in ("deployment", "batch"):
            findings.append(
                Finding(
                    line,
                    f"passes ProductionConfirmed to `{name}` ({agent.path}), which is "
                    f"{agent.cls or 'unclassified'}, not a deployment or batch agent",
                )
            )
        elif not agent.checks_flag:
            findings.append(
                Finding(
                    line,
                    f"passes ProductionConfirmed to `{name}` ({agent.path}), which does "
                    "not check the flag (flag-true and flag-false not met)",
                )
            )
    return findings


def unique_command_name(rule: Rule, doc: Document, facts: Facts) -> list[Finding]:
    others = [p for p in facts.commands.get(doc.name, []) if p != doc.target.rel]
    if not others:
        return []
    return [
        Finding(
            1,
            f"`{doc.name}` is also defined by {', '.join(sorted(others))}; "
            "Claude Code resolves only one of them",
        )
    ]


CHECKS: Mapping[str, Callable[[Rule, Document, Facts], CheckResult]] = {
    "agent-exists": agent_exists,
    "agent-flag-target": agent_flag_target,
    "unique-command-name": unique_command_name,
}
