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
from ..patterns import compile_pattern
from ..record import record
from ..rulepack import Rule
from .base import CheckResult, Finding


@record
class AgentFacts:
    path: str
    cls: str | None
    checks_flag: bool  # meets flag-true and flag-false


@record
class CommandFacts:
    path: str
    kind: str  # command or skill
    scope: str  # project, nested:<folder>, plugin:<name>, user


@dataclass
class Facts:
    """What the repository holds: agents by every name they answer to, commands and skills by
    /name (lower case)."""

    agents: dict[str, AgentFacts] = field(default_factory=dict)
    commands: dict[str, list[CommandFacts]] = field(default_factory=dict)
    # closest_agent's answers, and how many agent names they were worked out against (names
    # are only ever added to `agents`, so the count says when they are stale).
    _closest: dict[str, str | None] = field(default_factory=dict, repr=False, compare=False)
    _closest_among: int = field(default=0, repr=False, compare=False)

    def closest_agent(self, name: str) -> str | None:
        """The agent name `name` was most likely meant to be (a "did you mean"), or None.
        Worked out once per name: against every agent it is the one quadratic step of a run
        (on a 2,000-file tree, 40% of the time when done for every invocation)."""
        if len(self.agents) != self._closest_among:
            self._closest.clear()
            self._closest_among = len(self.agents)
        if name not in self._closest:
            close = difflib.get_close_matches(name, sorted(self.agents), n=1, cutoff=0.8)
            self._closest[name] = close[0] if close else None
        return self._closest[name]


@lru_cache(maxsize=16)
def _compiled(patterns: tuple[str, ...], trusted: bool) -> tuple[re.Pattern[str], ...]:
    return tuple(compile_pattern(p, re.IGNORECASE, trusted, "agent-exists") for p in patterns)


# Every invocation form names one of these words; a block without any is skipped unsearched.
_HINT = re.compile(r"agent|task\(", re.IGNORECASE)


def invocations(
    doc: Document, patterns: Sequence[str], trusted: bool = True
) -> list[tuple[str, int]]:
    """(agent name, line) for every agent the file invokes by name, in text and code."""
    compiled = _compiled(tuple(patterns), trusted)
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
    found = invocations(doc, rule.options["patterns"], rule.trusted)
    if not found:
        return None  # invokes no agent: the rule does not apply (and is not "met")
    findings = []
    for name, line in found:
        if name in facts.agents or name in builtin or name == doc.name.lower():
            continue
        close = facts.closest_agent(name)
        hint = f"; did you mean `{close}`?" if close else ""
        findings.append(
            Finding(
                line,
                f"invokes agent `{name}`, but no agent of the repository has that name or stem"
                + hint,
            )
        )
    return findings


def agent_flag_target(rule: Rule, doc: Document, facts: Facts) -> CheckResult:
    if not any(re.search(r"production_?confirmed", b.text, re.I) for b in doc.blocks):
        return None  # passes no flag: the rule does not apply (and is not "met")
    findings = []
    for name, line in invocations(doc, rule.options["patterns"], rule.trusted):
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


def _comparable(a: str, b: str) -> bool:
    """Do two scopes share one /name space? The same scope, or personal and project: a nested
    project's and a plugin's names are their own (Claude Code namespaces them)."""
    return a == b or {a, b} == {"user", "project"}


def _rank(entry: CommandFacts, rule: Rule) -> tuple[int, int]:
    scopes = [str(s) for s in rule.options.get("scope-precedence", [])]
    kinds = [str(k) for k in rule.options.get("kind-precedence", [])]

    def at(order: list[str], value: str) -> int:
        return order.index(value) if value in order else len(order)

    return at(scopes, entry.scope), at(kinds, entry.kind)


def unique_command_name(rule: Rule, doc: Document, facts: Facts) -> list[Finding]:
    entries = facts.commands.get(doc.name.lower(), [])
    me = next((e for e in entries if e.path == doc.target.rel), None)
    if me is None:
        return []
    same: list[str] = []
    shadowed_by: list[tuple[CommandFacts, str]] = []
    for other in entries:
        if other.path == me.path or not _comparable(me.scope, other.scope):
            continue
        mine, theirs = _rank(me, rule), _rank(other, rule)
        if mine == theirs:
            same.append(other.path)
        elif theirs < mine:
            why = (
                "a personal file wins over the project's"
                if theirs[0] < mine[0]
                else f"a {other.kind} wins over a {me.kind} of the same name"
            )
            shadowed_by.append((other, why))
    findings = []
    if shadowed_by:
        other, why = sorted(shadowed_by, key=lambda x: x[0].path)[0]
        findings.append(
            Finding(
                1,
                f"`{doc.name}` is shadowed by {other.path} ({why}): Claude Code runs that one,"
                " so this file's safety sections are dead text",
            )
        )
    if same:
        findings.append(
            Finding(
                1,
                f"`{doc.name}` is also defined by {', '.join(sorted(same))}; "
                "Claude Code resolves only one of them",
            )
        )
    return findings


CHECKS: Mapping[str, Callable[[Rule, Document, Facts], CheckResult]] = {
    "agent-exists": agent_exists,
    "agent-flag-target": agent_flag_target,
    "unique-command-name": unique_command_name,
}
