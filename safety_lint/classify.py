"""Decide each command's and agent's safety class, with the evidence that decided it (spec §2)."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from fnmatch import fnmatchcase
from functools import lru_cache
from typing import Any

from .model import Block, Classification, Document, Evidence
from .rulepack import RulePack
from .sections import find_section, split_sections
from .text import normalize

CLASSES = ("deployment", "batch", "read-only")


@dataclass(frozen=True)
class EvidenceKind:
    id: str
    what: str
    signal: str
    weight: int
    kinds: tuple[str, ...]
    sources: tuple[str, ...]
    pattern: re.Pattern[str]


@dataclass(frozen=True)
class Settings:
    """The classification part of the rule pack, compiled once."""

    decide: int
    weak: int
    batch: int
    mutating_tools: frozenset[str]
    mutating_prefixes: tuple[str, ...]
    negation: re.Pattern[str]
    safety_sections: tuple[str, ...]
    evidence: tuple[EvidenceKind, ...]
    section_evidence: Mapping[str, Mapping[str, Any]]
    delegation: Mapping[str, Any]
    delegation_pattern: re.Pattern[str]


@lru_cache(maxsize=8)
def settings(pack: RulePack) -> Settings:
    raw = pack.classification
    th = raw["thresholds"]
    kinds = tuple(
        EvidenceKind(
            e["id"],
            e["what"],
            e["signal"],
            int(e["weight"]),
            tuple(e["kinds"]),
            tuple(e["in"]),
            re.compile(e["pattern"], re.IGNORECASE | re.MULTILINE),
        )
        for e in raw["evidence"]
    )
    return Settings(
        decide=int(th["decide"]),
        weak=int(th["weak"]),
        batch=int(th["batch"]),
        mutating_tools=frozenset(raw["mutating-tools"]),
        mutating_prefixes=tuple(raw["mutating-tool-prefixes"]),
        negation=re.compile(raw["negation"], re.IGNORECASE),
        safety_sections=tuple(raw["safety-sections"]),
        evidence=kinds,
        section_evidence=raw["section-evidence"],
        delegation=raw["delegation"],
        delegation_pattern=re.compile(raw["delegation"]["pattern"], re.IGNORECASE),
    )


def tool_names(value: object) -> list[str] | None:
    """Claude Code's `tools` value as names: a comma string, a list, `*`, `Bash(git:*)`."""
    if value is None:
        return None
    items: list[str] = []
    raw = value if isinstance(value, list) else [value]
    for item in raw:
        text = str(item).strip().strip("[]")
        # Split on commas outside parentheses: `Bash(git add:*, git commit:*)` is one tool.
        depth, current = 0, ""
        for ch in text:
            depth += (ch == "(") - (ch == ")")
            if ch in ", " and depth == 0:
                if current.strip():
                    items.append(current.strip())
                current = ""
            else:
                current += ch
        if current.strip():
            items.append(current.strip())
    return [i.strip("'\"") for i in items if i.strip("'\"")]


def mutating(tools: Sequence[str], s: Settings) -> list[str]:
    names = [t.split("(", 1)[0] for t in tools]
    return [
        t for t in names if t == "*" or t in s.mutating_tools or t.startswith(s.mutating_prefixes)
    ]


def _sourced_blocks(doc: Document, s: Settings, pack: RulePack) -> Iterator[tuple[str, Block, str]]:
    """(source, block, text) for the evidence sources, outside the safety sections."""
    sections = split_sections(doc.blocks)
    skip: set[int] = set()
    for sid in s.safety_sections:
        found = find_section(sections, pack.sections[sid])
        if found:
            skip.update(id(b) for b in (found.heading, *found.blocks))
    previous_text = ""
    for block in doc.blocks:
        if id(block) in skip:
            continue
        if block.type == "code":
            if not s.negation.search(previous_text):
                yield "code", block, block.text
        elif block.type == "text" and block.counts:
            text = normalize(block.text)
            previous_text = text
            yield "text", block, text
            if block.in_list or re.match(r"\d+\.\s", block.text):
                yield "step", block, text
        elif block.type == "heading":
            previous_text = ""


def gather(
    doc: Document, pack: RulePack, agent_classes: Mapping[str, str | None] | None = None
) -> list[Evidence]:
    s = settings(pack)
    found: dict[str, Evidence] = {}

    def add(ev: Evidence) -> None:
        found.setdefault(ev.rule, ev)

    hint = doc.frontmatter.data.get("argument-hint")
    for kind in s.evidence:
        if doc.target.kind not in kind.kinds:
            continue
        if "argument-hint" in kind.sources and isinstance(hint, str) and kind.pattern.search(hint):
            add(
                Evidence(
                    doc.frontmatter.line_of("argument-hint"),
                    kind.signal,
                    kind.weight,
                    f"argument-hint: {kind.what}",
                    kind.id,
                )
            )
    for source, block, text in _sourced_blocks(doc, s, pack):
        for kind in s.evidence:
            if kind.id in found or doc.target.kind not in kind.kinds or source not in kind.sources:
                continue
            match = kind.pattern.search(text)
            if match:
                line = (
                    block.line + text.count("\n", 0, match.start()) + (1 if source == "code" else 0)
                )
                add(Evidence(line, kind.signal, kind.weight, kind.what, kind.id))
    sections = split_sections(doc.blocks)
    for sid, ev in s.section_evidence.items():
        section = find_section(sections, pack.sections[sid])
        if section:
            add(
                Evidence(
                    section.line,
                    ev["signal"],
                    int(ev["weight"]),
                    f"has the `{pack.sections[sid].heading}` section",
                    f"section:{sid}",
                )
            )
            if "also" in ev:
                add(
                    Evidence(
                        section.line,
                        ev["also"],
                        int(ev["weight"]),
                        f"has the `{pack.sections[sid].heading}` section",
                        f"section:{sid}:also",
                    )
                )
    if agent_classes is not None:
        delegated: dict[str, int] = {}
        for name, line in invoked_agents(doc, s.delegation_pattern):
            if name in agent_classes and name != doc.name:
                delegated.setdefault(name, line)
        risky = [
            (n, ln) for n, ln in delegated.items() if agent_classes[n] in ("deployment", "batch")
        ]
        if risky:
            name, line = risky[0]
            add(
                Evidence(
                    line,
                    "deployment",
                    int(s.delegation["weight"]),
                    f"{s.delegation['what']} (`{name}`)",
                    "delegation",
                )
            )
        if len(delegated) >= 2 and risky:
            line = sorted(delegated.values())[1]
            add(
                Evidence(
                    line,
                    "batch",
                    int(s.delegation["fan-out-weight"]),
                    f"fans out to {len(delegated)} agents ({', '.join(sorted(delegated))})",
                    "fan-out",
                )
            )
    return sorted(found.values(), key=lambda e: (e.line, e.rule))


def invoked_agents(doc: Document, pattern: re.Pattern[str]) -> list[tuple[str, int]]:
    """Agents the file invokes by name, with the line; in text and code alike."""
    out: list[tuple[str, int]] = []
    for block in doc.blocks:
        if block.type not in ("text", "code") or (block.type == "text" and not block.counts):
            continue
        text = block.text if block.type == "code" else normalize(block.text)
        for m in pattern.finditer(text):
            name = next(g for g in m.groups() if g)
            offset = 1 if block.type == "code" else 0
            out.append((name.lower(), block.line + offset + text.count("\n", 0, m.start())))
    return out


def _decide(evidence: Sequence[Evidence], s: Settings) -> tuple[str | None, str, str]:
    change = sum(e.weight for e in evidence if e.signal == "deployment")
    batch = sum(e.weight for e in evidence if e.signal == "batch")
    read_only = sum(e.weight for e in evidence if e.signal == "read-only")
    score = f"deployment {change}, batch {batch}, read-only {read_only}"
    if change >= s.decide:
        if read_only >= change:
            return None, score, f"contradictory evidence ({score})"
        cls = "batch" if batch >= s.batch else "deployment"
        return cls, f"inferred: {score}", ""
    if change >= s.weak and read_only < change:
        return None, score, f"weak evidence ({score}; {s.decide} needed to decide)"
    return "read-only", f"inferred: {score}", ""


def classify(
    doc: Document,
    pack: RulePack,
    overrides: Sequence[tuple[str, str]] = (),
    agent_classes: Mapping[str, str | None] | None = None,
) -> Classification:
    """Declared, then configured, then the agent tools rule, then inferred (spec §2)."""
    if doc.target.kind == "document":
        return Classification(None, None)
    declared = doc.frontmatter.data.get("safety-class")
    if declared is not None:
        if isinstance(declared, str) and declared.strip() in CLASSES:
            line = doc.frontmatter.line_of("safety-class")
            ev = Evidence(
                line, declared.strip(), 0, f"declares safety-class: {declared}", "declared"
            )
            return Classification(declared.strip(), "declared", [ev], "frontmatter safety-class")
        return Classification(
            None, None, [], "", f"safety-class '{declared}' is not one of {', '.join(CLASSES)}"
        )
    for pattern, cls in overrides:
        if fnmatchcase(doc.target.rel, pattern):
            ev = Evidence(1, cls, 0, f"configuration sets {pattern} to {cls}", "config")
            return Classification(cls, "config", [ev], f"configuration override {pattern}")
    s = settings(pack)
    if doc.target.kind == "agent":
        tools = tool_names(doc.frontmatter.data.get("tools"))
        if tools is not None and not mutating(tools, s):
            line = doc.frontmatter.line_of("tools")
            ev = Evidence(
                line,
                "read-only",
                0,
                f"tools grant nothing that can change anything ({', '.join(tools) or 'none'})",
                "tools",
            )
            return Classification("read-only", "tools", [ev], "agent tools rule")
    evidence = gather(doc, pack, agent_classes)
    decided, decided_by, reason = _decide(evidence, s)
    if decided is None:
        return Classification(None, None, evidence, reason, reason)
    return Classification(decided, "inferred", evidence, decided_by)
