"""Delegation to a fixpoint: a file that invokes a deployment or batch agent, directly or
through other agents, inherits the class.

Worked out over each file's small facts (`classify.FileFacts`: its findings and the agents it
names), never by reading or parsing a file again: `/release` -> `orchestrator` -> `deployer`
(runs `terraform apply`) makes all three deployment files.
"""

from __future__ import annotations

from collections.abc import Mapping

from .classify import FileFacts, decide_facts
from .model import Classification
from .rulepack import RulePack


def fixpoint(
    facts: Mapping[str, FileFacts | None],
    classes: Mapping[str, str | None],
    names: Mapping[str, str],
    pack: RulePack,
) -> dict[str, Classification]:
    """The final classification of every file whose class comes from its findings and that
    invokes a known agent. `facts`: per file (None where the class is declared, configured or
    given by the tools rule); `classes`: each file's class without delegation; `names`: every
    agent name -> its file. Files not in the result keep the class they had."""
    current = dict(classes)
    out: dict[str, Classification] = {}
    delegating = {
        rel: f
        for rel, f in facts.items()
        if f is not None and any(name in names for name, _ in f.invoked)
    }
    for _ in range(len(delegating) + 1):  # each round settles at least one more file
        by_name = {name: current.get(rel) for name, rel in names.items()}
        changed = False
        for rel, f in sorted(delegating.items()):
            c = decide_facts(f, by_name, pack)
            out[rel] = c
            if c.cls != current.get(rel):
                current[rel] = c.cls
                changed = True
                by_name = {name: current.get(r) for name, r in names.items()}
        if not changed:
            break
    return out


def agent_classes(
    classes: Mapping[str, str | None], names: Mapping[str, str]
) -> dict[str, str | None]:
    """Each agent's class by every name it answers to."""
    return {name: classes.get(rel) for name, rel in names.items()}
