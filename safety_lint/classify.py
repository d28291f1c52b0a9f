"""Decide each command's and agent's safety class, with the evidence that decided it (spec §2).

Three layers feed one decision table (`decide`): actions (what the file tells the model to run
or do: `actions`, `sources`), their modality (`modality`) and their scope (`scope`). Each file's
findings are worked out once, as small facts; delegation to other agents is a fixpoint over
those facts (`delegation`), never a second reading of the file.
"""

from __future__ import annotations

import re
import weakref
from collections.abc import Iterable, Mapping, Sequence
from fnmatch import fnmatchcase
from functools import cached_property, lru_cache
from typing import Any

from . import modality, scope
from .catalogue import Catalogue, catalogue_for, default_catalogue
from .decide import STRENGTHS, decide
from .findings import ApiOperations, action_findings, call_findings, step_findings
from .kinds import table as kinds_table
from .lexicon import Lexicons, default_lexicons, lexicons_for
from .modality import COUNTED as COUNTED_MODALITIES
from .model import CLASSES, Classification, Document, Evidence, SafetyClass, Section, is_class
from .patterns import compile_pattern
from .prefilter import Literals, may_match, required
from .record import record, replace
from .rulepack import RulePack
from .sections import find_section
from .sources import Runnable, Source, body_sources, commands_only, frontmatter_sources

_FRAGMENT = re.compile(r"\{\{([\w-]+)\}\}")


@record
class EvidenceKind:
    id: str
    what: str
    signal: str
    weight: int  # decide.DECIDES or decide.WEAK
    layer: str  # action | statement | scope
    kinds: tuple[str, ...]
    sources: tuple[str, ...]
    source: str  # the regular expression, fragments expanded
    trusted: bool  # from the bundled pack (a team's pattern runs under a time limit)
    literals: Literals | None = None  # one of them is in every match (prefilter.py)

    @cached_property
    def pattern(self) -> re.Pattern[str]:
        """Compiled the first time a text passes the prefilter: most runs meet a few kinds."""
        where = "the classification of a team rule pack"
        return compile_pattern(self.source, EVIDENCE_FLAGS, self.trusted, where)


EVIDENCE_FLAGS = re.IGNORECASE | re.MULTILINE


def evidence_sources(pack: RulePack) -> list[tuple[str, int]]:
    """Each evidence kind's pattern with its fragments expanded, and its flags."""
    raw = pack.classification
    fragments: Mapping[str, str] = raw.get("fragments", {})
    return [(_expand(e["pattern"], fragments), EVIDENCE_FLAGS) for e in raw["evidence"]]


@record
class Settings:
    """The classification part of the rule pack, compiled once."""

    tools_rule_kinds: frozenset[str]
    read_tools: frozenset[str]
    read_tool_prefixes: tuple[str, ...]
    scope: modality.Scope
    runnable: Runnable
    parameters: re.Pattern[str]
    safety_sections: tuple[str, ...]
    evidence: tuple[EvidenceKind, ...]
    by_source: Mapping[str, tuple[EvidenceKind, ...]]  # the evidence kinds each source feeds
    section_evidence: Mapping[str, Mapping[str, Any]]
    delegation: Mapping[str, Any]
    delegation_pattern: re.Pattern[str]
    scope_all: re.Pattern[str]  # a fan-out option on a command line
    loop: re.Pattern[str]  # a shell loop header over several targets
    catalogue: Catalogue
    lexicons: Lexicons
    live: re.Pattern[str]  # a live target named in prose
    api_operations: ApiOperations


def _expand(pattern: str, fragments: Mapping[str, str]) -> str:
    """Replace `{{name}}` by the rule pack's fragment of that name."""
    return _FRAGMENT.sub(lambda m: str(fragments[m.group(1)]), pattern)


def _compile(
    pattern: str, fragments: Mapping[str, str], flags: int = 0, trusted: bool = True
) -> re.Pattern[str]:
    where = "the classification of a team rule pack"
    return compile_pattern(_expand(pattern, fragments), re.IGNORECASE | flags, trusted, where)


@lru_cache(maxsize=8)
def settings(pack: RulePack) -> Settings:
    raw = pack.classification
    t = pack.classification_trusted
    fragments: Mapping[str, str] = raw.get("fragments", {})

    def comp(pattern: str, flags: int = 0) -> re.Pattern[str]:
        return _compile(pattern, fragments, flags, t)

    run = raw["runnable"]
    kinds = []
    for e, (source, flags) in zip(raw["evidence"], evidence_sources(pack), strict=True):
        kind = EvidenceKind(
            e["id"],
            e["what"],
            e["signal"],
            STRENGTHS[e.get("strength", "decides")],
            e.get("layer", "scope" if e["signal"] == "batch" else "statement"),
            tuple(e["kinds"]),
            tuple(e["in"]),
            source,
            t,
            pack.prefilters[source] if source in pack.prefilters else required(source, flags),
        )
        if not t:
            kind.pattern  # noqa: B018 - a team's pattern is checked now, not in the middle of a run
        kinds.append(kind)
    sc = raw["scope"]
    return Settings(
        tools_rule_kinds=frozenset(raw["tools-rule-kinds"]),
        read_tools=frozenset(raw["read-tools"]),
        read_tool_prefixes=tuple(raw["read-tool-prefixes"]),
        scope=modality.compile_scope(raw["modality"], comp),
        runnable=Runnable(
            frozenset(str(x).lower() for x in run["languages"]),
            comp(run["artifact-start"]),
            comp(run["artifact-lead"]),
            comp(run["run-lead"]),
        ),
        parameters=comp(raw["parameter-headings"]),
        safety_sections=tuple(raw["safety-sections"]),
        evidence=tuple(kinds),
        by_source={
            src: tuple(k for k in kinds if src in k.sources)
            for src in {src for k in kinds for src in k.sources}
        },
        section_evidence=raw["section-evidence"],
        delegation=raw["delegation"],
        delegation_pattern=comp(raw["delegation"]["pattern"]),
        scope_all=comp(sc["fan-out-option"]),
        loop=comp(sc["loop"]),
        catalogue=catalogue_for(pack.folders) if pack.folders else default_catalogue(),
        lexicons=lexicons_for(pack.folders) if pack.folders else default_lexicons(),
        live=comp(r"\b{{live}}\b"),
        api_operations=ApiOperations(
            tuple(raw["api-operations"]["mutating"]),
            tuple(raw["api-operations"]["reading"]),
            tuple(raw["api-operations"].get("local", ())),
        ),
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
    """The granted tools that may change something: every tool that is not a read tool."""
    names = [t.split("(", 1)[0] for t in tools]
    return [t for t in names if t not in s.read_tools and not t.startswith(s.read_tool_prefixes)]


@record
class FileFacts:
    """What a file says, whatever the other agents are: its findings and the agents it
    names. Small and worked out once per file; delegation is decided over these."""

    name: str
    kind: str
    evidence: tuple[Evidence, ...]
    invoked: tuple[tuple[str, int], ...]


_FACTS: dict[tuple[int, int], tuple[weakref.ref[Document], RulePack, FileFacts]] = {}


def file_facts(doc: Document, pack: RulePack) -> FileFacts:
    """The facts of a document (with a skill's bundled files), memoised while it lives."""
    key = (id(doc), id(pack))
    memo = _FACTS.get(key)
    if memo is not None and memo[0]() is doc and memo[1] is pack:
        return memo[2]
    facts = _work_out(doc, pack)
    _FACTS[key] = (weakref.ref(doc), pack, facts)
    weakref.finalize(doc, _FACTS.pop, key, None)
    return facts


def sources_of(doc: Document, s: Settings, pack: RulePack) -> Iterable[Source]:
    """Every source of the file: frontmatter values, then the body outside its safety
    sections."""
    texts = {id(b): b.norm for b in doc.blocks if b.counts and b.type in ("text", "heading")}
    skip = [sec for sid in s.safety_sections if (sec := _section(doc, pack, sid)) is not None]
    yield from frontmatter_sources(doc)
    yield from body_sources(doc, s.runnable, s.scope, skip, texts, s.parameters)


def _section(doc: Document, pack: RulePack, sid: str) -> Section | None:
    return find_section(doc.sections, pack.sections[sid])


_NARROWED = ("text", "step", "description", "argument-hint")  # prose: words before a match count


def _source_evidence(sources: Sequence[Source], s: Settings, kind_of_file: str) -> list[Evidence]:
    """The findings of the three layers over a file's sources: each evidence kind's first
    counted finding, else its first not-counted one (still reported)."""
    found: dict[tuple[str, bool], Evidence] = {}  # (kind, counts) -> its first finding
    for src in sources:
        ends: list[int] | None = None
        folded: str | None = None  # the text case-folded once, for the literal prefilters
        where = f"{src.kind}: " if src.kind in ("description", "argument-hint") else ""
        for kind in s.by_source.get(src.kind, ()):
            if (kind.id, True) in found or kind_of_file not in kind.kinds:
                continue
            if kind.literals is not None:
                if folded is None:
                    folded = src.text.casefold()
                if not may_match(kind.literals, folded):
                    continue
            if src.modality not in COUNTED_MODALITIES and (kind.id, False) in found:
                continue
            for match in kind.pattern.finditer(src.text):
                mod = src.modality
                if mod == "instructed" and src.kind in _NARROWED:
                    if ends is None:
                        ends = modality.sentence_ends(src.text)
                    mod = modality.at(src.text, match.start(), s.scope, ends)
                counts = mod in COUNTED_MODALITIES
                if (kind.id, counts) in found:
                    continue
                start = match.start() + len(match.group(0)) - len(match.group(0).lstrip())
                line = src.line + src.text.count("\n", 0, start)
                what = where + kind.what
                found[(kind.id, counts)] = Evidence(
                    line, kind.signal, kind.weight, what, kind.id, mod, kind.layer
                )
                if counts:
                    break
    for ev in (
        *action_findings(sources, s.catalogue, s.api_operations, s.scope),
        *step_findings(sources, s.lexicons, s.scope, s.live, s.catalogue),
        *call_findings(sources, s.lexicons),
    ):
        counts = ev.modality in COUNTED_MODALITIES
        if (ev.rule, True) not in found and (counts or (ev.rule, False) not in found):
            found[(ev.rule, counts)] = ev
    evidence = [e for (k, c), e in found.items() if c or (k, True) not in found]
    return evidence + scope.code_scope(sources, s, found)


def _bundled_evidence(doc: Document, s: Settings, kind_of_file: str) -> list[Evidence]:
    """The findings of a skill's bundled files (bundled.py): a script is code the model runs;
    a markdown file gives its own sources, as SKILL.md's text would. Each is reported at the
    SKILL.md line that names the file, with the file and its own line."""
    from .model import Target
    from .parse import parse_text

    out: list[Evidence] = []
    for f in doc.bundled:
        if f.markdown:
            sub = parse_text(Target(doc.target.path.parent / f.rel, f.rel, "document"), f.text)
            texts = {
                id(b): b.norm for b in sub.blocks if b.counts and b.type in ("text", "heading")
            }
            srcs = list(body_sources(sub, s.runnable, s.scope, [], texts, s.parameters))
        else:
            srcs = [Source("code", 1, commands_only(f.text))]
        for ev in _source_evidence(srcs, s, kind_of_file):
            out.append(replace(ev, line=f.line, what=f"{ev.what} (in {f.rel}:{ev.line})"))
    return out


def _work_out(doc: Document, pack: RulePack) -> FileFacts:
    s = settings(pack)
    kind_of_file = kinds_table(pack).checked_as(doc.target.kind)  # a skill is a command
    evidence = _source_evidence(list(sources_of(doc, s, pack)), s, kind_of_file)
    have = {e.rule for e in evidence if e.modality in COUNTED_MODALITIES}
    for ev in _bundled_evidence(doc, s, kind_of_file):
        if ev.rule in have or ev.modality not in COUNTED_MODALITIES:
            continue
        evidence.append(ev)
        have.add(ev.rule)
    for sid, spec in s.section_evidence.items():
        section = _section(doc, pack, sid)
        if section is None:
            continue
        what = f"has the `{pack.sections[sid].heading}` section"
        weight = STRENGTHS[spec.get("strength", "decides")]
        evidence.append(
            Evidence(
                section.line,
                spec["signal"],
                weight,
                what,
                f"section:{sid}",
                "instructed",
                "section",
            )
        )
        if "also" in spec:
            evidence.append(
                Evidence(
                    section.line,
                    spec["also"],
                    weight,
                    what,
                    f"section:{sid}:also",
                    "instructed",
                    "section",
                )
            )
    texts = {id(b): b.norm for b in doc.blocks if b.counts and b.type == "text"}
    invoked = invoked_agents(doc, s.delegation_pattern, texts)
    return FileFacts(doc.name.lower(), kind_of_file, tuple(evidence), tuple(invoked))


def delegation_evidence(
    facts: FileFacts, agent_classes: Mapping[str, str | None], s: Settings
) -> list[Evidence]:
    """Findings from the agents the file invokes: delegation to a deployment or batch agent
    decides; handing work to two or more agents, one of them risky, is fan-out (scope)."""
    delegated: dict[str, int] = {}
    for name, line in facts.invoked:
        if name in agent_classes and name != facts.name:
            delegated.setdefault(name, line)
    risky = [(n, ln) for n, ln in delegated.items() if agent_classes[n] in ("deployment", "batch")]
    if not risky:
        return []
    name, line = min(risky, key=lambda x: x[1])
    out = [
        Evidence(
            line,
            "deployment",
            STRENGTHS["decides"],
            f"{s.delegation['what']} (`{name}`)",
            "delegation",
            "instructed",
            "delegation",
        )
    ]
    if len(delegated) >= 2 or any(agent_classes[n] == "batch" for n, _ in risky):
        many = sorted(delegated.values())[1] if len(delegated) >= 2 else line
        out.append(
            Evidence(
                many,
                "batch",
                STRENGTHS["decides"],
                f"fans out to {len(delegated)} agents ({', '.join(sorted(delegated))})",
                "fan-out",
                "instructed",
                "scope",
            )
        )
    return out


def gather(
    doc: Document,
    pack: RulePack,
    agent_classes: Mapping[str, str | None] | None = None,
) -> list[Evidence]:
    """Every finding, sorted by line; delegation findings when the classes of the
    repository's agents are given."""
    facts = file_facts(doc, pack)
    found = list(facts.evidence)
    if agent_classes is not None:
        found += delegation_evidence(facts, agent_classes, settings(pack))
    return sorted(found, key=lambda e: (e.line, e.rule))


_AGENT_HINT = re.compile(r"agent|task\(", re.IGNORECASE)


def invoked_agents(
    doc: Document, pattern: re.Pattern[str], texts: Mapping[int, str] | None = None
) -> list[tuple[str, int]]:
    """Agents the file invokes by name, with the line; in text and code alike."""
    out: list[tuple[str, int]] = []
    for block in doc.blocks:
        if block.type not in ("text", "code") or (block.type == "text" and not block.counts):
            continue
        if block.type == "code":
            text = block.text
        else:
            text = texts[id(block)] if texts is not None else block.norm
        if not _AGENT_HINT.search(text):  # every delegation form names an agent or a Task
            continue
        for m in pattern.finditer(text):
            name = next(g for g in m.groups() if g)
            offset = 1 if block.type == "code" else 0
            out.append((name.lower(), block.line + offset + text.count("\n", 0, m.start())))
    return out


def classify(
    doc: Document,
    pack: RulePack,
    overrides: Sequence[tuple[str, SafetyClass]] = (),
    agent_classes: Mapping[str, str | None] | None = None,
) -> Classification:
    """Declared, then configured, then the agent tools rule, then inferred (spec §2)."""
    if kinds_table(pack).checked_as(doc.target.kind) == "document":
        return Classification(None, None)
    fixed = settled(doc, pack, overrides)
    if fixed is not None:
        return fixed
    evidence = gather(doc, pack, agent_classes)
    return _classification(evidence)


def _classification(evidence: list[Evidence]) -> Classification:
    decided, decided_by, reason = decide(evidence)
    if decided is None:
        return Classification(None, None, evidence, reason, reason)
    return Classification(decided, "inferred", evidence, decided_by)


def decide_facts(
    facts: FileFacts, agent_classes: Mapping[str, str | None], pack: RulePack
) -> Classification:
    """The inferred class from a file's facts and the classes of the agents it invokes."""
    evidence = [*facts.evidence, *delegation_evidence(facts, agent_classes, settings(pack))]
    return _classification(sorted(evidence, key=lambda e: (e.line, e.rule)))


def settled(
    doc: Document, pack: RulePack, overrides: Sequence[tuple[str, SafetyClass]] = ()
) -> Classification | None:
    """The class when it is not inferred: declared, configured, or the agent tools rule."""
    declared = doc.frontmatter.data.get("safety-class")
    if declared is not None:
        value = declared.strip() if isinstance(declared, str) else None
        if is_class(value):
            line = doc.frontmatter.line_of("safety-class")
            ev = Evidence(
                line,
                value,
                0,
                f"declares safety-class: {declared}",
                "declared",
                "instructed",
                "declared",
            )
            found = [ev]
            if value == "read-only":  # verified, not trusted (class-contradicted)
                found += [
                    e
                    for e in file_facts(doc, pack).evidence
                    if e.layer == "action"
                    and e.weight >= STRENGTHS["decides"]
                    and e.modality in COUNTED_MODALITIES
                ]
            return Classification(value, "declared", found, "frontmatter safety-class")
        return Classification(
            None, None, [], "", f"safety-class '{declared}' is not one of {', '.join(CLASSES)}"
        )
    for pattern, cls in overrides:
        if fnmatchcase(doc.target.rel, pattern):
            ev = Evidence(1, cls, 0, f"configuration sets {pattern} to {cls}", "config")
            return Classification(cls, "config", [ev], f"configuration override {pattern}")
    s = settings(pack)
    kinds = kinds_table(pack)
    spec = kinds.spec(doc.target.kind)
    if kinds.checked_as(doc.target.kind) in s.tools_rule_kinds:
        key = spec.tools[0] if spec and spec.tools else "tools"
        tools = tool_names(doc.frontmatter.data.get(key))
        if tools is not None and not mutating(tools, s):
            line = doc.frontmatter.line_of(key)
            ev = Evidence(
                line,
                "read-only",
                0,
                f"tools grant nothing that can change anything ({', '.join(tools) or 'none'})",
                "tools",
            )
            return Classification("read-only", "tools", [ev], "agent tools rule")
    return None
