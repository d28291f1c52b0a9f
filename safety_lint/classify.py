"""Decide each command's and agent's safety class, with the evidence that decided it (spec §2)."""

from __future__ import annotations

import re
import weakref
from bisect import bisect_right
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from fnmatch import fnmatchcase
from functools import lru_cache
from typing import Any

from .kinds import table as kinds_table
from .model import (
    CLASSES,
    Block,
    Classification,
    Document,
    Evidence,
    SafetyClass,
    Section,
    is_class,
)
from .patterns import compile_pattern
from .rulepack import RulePack
from .sections import find_section

FRONTMATTER_SOURCES = ("argument-hint", "description")


_FRAGMENT = re.compile(r"\{\{([\w-]+)\}\}")
_INLINE_CODE = re.compile(r"(`+)(?!`)(.+?)(?<!`)\1(?!`)", re.S)
_SENTENCE_END = re.compile(r"[.;!?](\s|$)")
_SENTENCE_SPLIT = re.compile(r"[.!?]\s+")
_QUOTED = re.compile(r'"[^"]{3,}"')
_LABEL = re.compile(r"^[\w /*-]{1,30}:\s*$")


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
    tools_rule_kinds: frozenset[str]
    read_tools: frozenset[str]
    read_tool_prefixes: tuple[str, ...]
    negation: re.Pattern[str]
    conditional: re.Pattern[str]
    negated_headings: re.Pattern[str]
    others_headings: re.Pattern[str]
    others_line: re.Pattern[str]
    run_languages: frozenset[str]
    artifact_start: re.Pattern[str]
    artifact_lead: re.Pattern[str]
    run_lead: re.Pattern[str]
    safety_sections: tuple[str, ...]
    evidence: tuple[EvidenceKind, ...]
    by_source: Mapping[str, tuple[EvidenceKind, ...]]  # the evidence kinds each source feeds
    section_evidence: Mapping[str, Mapping[str, Any]]
    delegation: Mapping[str, Any]
    delegation_pattern: re.Pattern[str]


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
    th = raw["thresholds"]
    fragments: Mapping[str, str] = raw.get("fragments", {})
    run = raw["runnable"]
    kinds = tuple(
        EvidenceKind(
            e["id"],
            e["what"],
            e["signal"],
            int(e["weight"]),
            tuple(e["kinds"]),
            tuple(e["in"]),
            _compile(e["pattern"], fragments, re.MULTILINE, t),
        )
        for e in raw["evidence"]
    )
    return Settings(
        decide=int(th["decide"]),
        weak=int(th["weak"]),
        batch=int(th["batch"]),
        tools_rule_kinds=frozenset(raw["tools-rule-kinds"]),
        read_tools=frozenset(raw["read-tools"]),
        read_tool_prefixes=tuple(raw["read-tool-prefixes"]),
        negation=_compile(raw["negation"], fragments, trusted=t),
        conditional=_compile(raw["conditional"], fragments, trusted=t),
        negated_headings=_compile(raw["negated-headings"], fragments, trusted=t),
        others_headings=_compile(raw["others-headings"], fragments, trusted=t),
        others_line=_compile(raw["others-line"], fragments, trusted=t),
        run_languages=frozenset(str(x).lower() for x in run["languages"]),
        artifact_start=_compile(run["artifact-start"], fragments, trusted=t),
        artifact_lead=_compile(run["artifact-lead"], fragments, trusted=t),
        run_lead=_compile(run["run-lead"], fragments, trusted=t),
        safety_sections=tuple(raw["safety-sections"]),
        evidence=kinds,
        by_source={
            src: tuple(k for k in kinds if src in k.sources)
            for src in {src for k in kinds for src in k.sources}
        },
        section_evidence=raw["section-evidence"],
        delegation=raw["delegation"],
        delegation_pattern=_compile(raw["delegation"]["pattern"], fragments, trusted=t),
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


@dataclass(frozen=True)
class Source:
    """A piece of the file that evidence is looked for in."""

    kind: str  # text | step | code | inline
    line: int  # line of the first character of `text`
    text: str
    origin: str = ""  # a skill's bundled file this text comes from (its evidence keeps `line`)


NEAR = 200  # a negation or condition further away than this is not about the match


def negated(text: str, end: int, s: Settings, ends: Sequence[int] | None = None) -> bool:
    """Does a negation earlier in the sentence, before `end` (a match's start), cancel it?

    "Never run `kubectl apply`" does; "never deploy without confirmation" does not (a
    condition, not a prohibition). `ends`: where the sentences of `text` end (`sentence_ends`),
    to look them up instead of scanning the text again."""
    if ends is None:
        ends = sentence_ends(text)
    i = bisect_right(ends, end)
    start = max(ends[i - 1] if i else 0, end - NEAR)
    stop = min(ends[i] if i < len(ends) else len(text), end + NEAR)
    return bool(s.negation.search(text, start, end)) and not s.conditional.search(text, start, stop)


def sentence_ends(text: str) -> list[int]:
    """Offsets just after each sentence end (`.`, `;`, `!`, `?` before a space or the end)."""
    return [m.start() + 1 for m in _SENTENCE_END.finditer(text)]


def runnable(block: Block, lead: str, s: Settings) -> bool:
    """Is a code block a command to run, rather than a file the model writes?"""
    lang = block.info.split(maxsplit=1)[0].strip("{}.").lower() if block.info.strip() else ""
    if lang not in s.run_languages:
        return False
    first = next((ln.strip() for ln in block.text.splitlines() if ln.strip()), "")
    if s.artifact_start.search(first):
        return False
    return not s.artifact_lead.search(lead) or bool(s.run_lead.search(lead))


def _commands_only(code: str) -> str:
    """Comment lines blanked and `\\` continuation lines joined, the line count kept (evidence
    lines stay right): `npx tool deploy \\` + `  --all` is one command."""
    out: list[str] = []
    pending: list[str] = []
    for ln in code.split("\n"):
        if ln.lstrip().startswith(("#", "//", "REM ", "::")):
            ln = ""
        if ln.rstrip().endswith("\\"):
            pending.append(ln.rstrip()[:-1])
            continue
        if pending:
            out.append(" ".join([*pending, ln]))
            out.extend([""] * len(pending))
            pending = []
        else:
            out.append(ln)
    if pending:
        out.append(" ".join(pending))
        out.extend([""] * (len(pending) - 1))
    return "\n".join(out)


def _artifact_captions(blocks: Sequence[Block], s: Settings) -> set[int]:
    """Paragraphs that introduce a file the model writes ("Deploy the monitoring stack with
    Terraform:" over an HCL block): they describe the file, they are not a step."""
    out: set[int] = set()
    for i, block in enumerate(blocks):
        if block.type != "text" or block.in_list or not block.text.rstrip().endswith(":"):
            continue
        for later in blocks[i + 1 : i + 4]:
            if later.type == "code":
                if not runnable(later, block.norm, s):
                    out.add(id(block))
                break
            if later.type != "text" or len(later.text.split()) > 6:
                break
    return out


def _sources(
    doc: Document, s: Settings, found: Mapping[str, Section], texts: Mapping[int, str]
) -> Iterator[Source]:
    """The evidence sources, outside the safety sections and outside what-not-to-do text.
    `found`: the sections the file has, by id; `texts`: each counting block's normalised text."""
    skip: set[int] = set()
    for sid in s.safety_sections:
        if sid in found:
            skip.update(id(b) for b in (found[sid].heading, *found[sid].blocks))
    describes_artifact = _artifact_captions(doc.blocks, s)
    headings: list[tuple[int, bool]] = []  # open headings: (level, not an instruction)
    lead = ""  # the paragraph or heading a list hangs from
    previous = ""  # the text right before a code block
    for block in doc.blocks:
        if id(block) in skip:
            continue
        if block.type == "heading":
            if block.counts:
                text = texts[id(block)]
                while headings and headings[-1][0] >= block.level:
                    headings.pop()
                skipped = s.negated_headings.search(text) or s.others_headings.search(text)
                headings.append((block.level, bool(skipped)))
                lead = previous = text
            continue
        in_negated_section = any(neg for _, neg in headings)
        if block.type == "code":
            if in_negated_section or _lead_negated(previous, s):
                continue
            if runnable(block, previous, s):
                yield Source("code", block.line + 1, _commands_only(block.text))
        elif block.type == "text" and block.counts:
            text = texts[id(block)]
            previous = text
            if not block.in_list:
                lead = text
            if in_negated_section or (block.in_list and _lead_negated(lead, s)):
                continue
            if s.others_line.match(text) or id(block) in describes_artifact:
                continue
            said = unquoted(text)
            yield Source("text", block.line, said)
            if block.in_list or re.match(r"\d+\.\s", block.text):
                yield Source("step", block.line, said)
            if "`" not in block.text:
                continue
            ends = sentence_ends(block.text)
            newlines = [i for i, ch in enumerate(block.text) if ch == "\n"]
            for m in _INLINE_CODE.finditer(block.text):
                if not negated(block.text, m.start(), s, ends):
                    line = block.line + bisect_right(newlines, m.start(2))
                    yield Source("inline", line, m.group(2).strip())


def _bundled_sources(doc: Document, s: Settings) -> Iterator[Source]:
    """The evidence sources of a skill's bundled files (bundled.py): a script is code the
    model runs; a markdown file gives its own sources, as SKILL.md's text would."""
    from .model import Target
    from .parse import parse_text

    for f in doc.bundled:
        if not f.markdown:
            yield Source("code", f.line, _commands_only(f.text), f.rel)
            continue
        sub = parse_text(Target(doc.target.path.parent / f.rel, f.rel, "document"), f.text)
        texts = {id(b): b.norm for b in sub.blocks if b.counts and b.type in ("text", "heading")}
        for src in _sources(sub, s, {}, texts):
            yield Source(src.kind, f.line, src.text, f"{f.rel}:{src.line}")


def unquoted(text: str) -> str:
    """A quotation inside a sentence is someone else's words ("How would you validate this in
    production?"), not an instruction. A text that is a quotation, or a labelled one
    (`Input: "Deploy the app to GCS"`), is an example request the model handles: kept."""

    def drop(m: re.Match[str]) -> str:
        before = text[: m.start()]
        if m.group(0).endswith('?"'):
            return " "
        if (not before.strip() or _LABEL.match(before)) and not text[m.end() :].strip():
            return m.group(0)
        return " "

    return _QUOTED.sub(drop, text) if '"' in text else text


def _lead_negated(text: str, s: Settings) -> bool:
    """A lead-in that says what NOT to do ("Will Not:", "Never run this:"). Only its last
    sentence introduces what follows: "Never commit secrets. Run:" is not one."""
    last = _SENTENCE_SPLIT.split(text.strip())[-1]
    return bool(s.negation.search(last)) and not s.conditional.search(last)


@dataclass(frozen=True)
class _Facts:
    """What a file says, whatever the other agents are: its evidence and the agents it
    names. Worked out once per document (an agent is classified twice: once for what
    delegating to it means, once for itself)."""

    evidence: tuple[Evidence, ...]
    invoked: tuple[tuple[str, int], ...]


_FACTS: dict[tuple[int, int], tuple[weakref.ref[Document], RulePack, _Facts]] = {}


def _facts(doc: Document, pack: RulePack) -> _Facts:
    key = (id(doc), id(pack))
    memo = _FACTS.get(key)
    if memo is not None and memo[0]() is doc and memo[1] is pack:
        return memo[2]
    facts = _work_out(doc, pack)
    _FACTS[key] = (weakref.ref(doc), pack, facts)
    weakref.finalize(doc, _FACTS.pop, key, None)
    return facts


def _work_out(doc: Document, pack: RulePack) -> _Facts:
    s = settings(pack)
    found: dict[str, Evidence] = {}
    kind_of_file = kinds_table(pack).checked_as(doc.target.kind)  # a skill is a command

    def add(ev: Evidence) -> None:
        found.setdefault(ev.rule, ev)

    for key in FRONTMATTER_SOURCES:
        value = doc.frontmatter.data.get(key)
        if not isinstance(value, str):
            continue
        for kind in s.by_source.get(key, ()):
            if kind_of_file in kind.kinds and kind.pattern.search(value):
                line = doc.frontmatter.line_of(key)
                add(Evidence(line, kind.signal, kind.weight, f"{key}: {kind.what}", kind.id))
    texts = {id(b): b.norm for b in doc.blocks if b.counts and b.type in ("text", "heading")}
    sections = list(doc.sections)
    has: dict[str, Section] = {}
    for sid in {*s.safety_sections, *s.section_evidence}:
        section = find_section(sections, pack.sections[sid])
        if section:
            has[sid] = section
    ends: list[int] | None = None  # sentence ends of `ends_of`, worked out when needed
    ends_of: Source | None = None
    for src in (*_sources(doc, s, has, texts), *_bundled_sources(doc, s)):
        for kind in s.by_source.get(src.kind, ()):
            if kind.id in found or kind_of_file not in kind.kinds:
                continue
            for match in kind.pattern.finditer(src.text):
                if src.kind in ("text", "step"):
                    if ends is None or ends_of is not src:
                        ends, ends_of = sentence_ends(src.text), src
                    if negated(src.text, match.start(), s, ends):
                        continue
                start = match.start() + len(match.group(0)) - len(match.group(0).lstrip())
                line = src.line + src.text.count("\n", 0, start)
                what = kind.what
                if src.origin:  # reported at the SKILL.md line that names the file
                    where = (
                        src.origin if ":" in src.origin else f"{src.origin}:{line - src.line + 1}"
                    )
                    what, line = f"{what} (in {where})", src.line
                add(Evidence(line, kind.signal, kind.weight, what, kind.id))
                break
    for sid, ev in s.section_evidence.items():
        if sid not in has:
            continue
        what = f"has the `{pack.sections[sid].heading}` section"
        add(Evidence(has[sid].line, ev["signal"], int(ev["weight"]), what, f"section:{sid}"))
        if "also" in ev:
            add(Evidence(has[sid].line, ev["also"], int(ev["weight"]), what, f"section:{sid}:also"))
    invoked = invoked_agents(doc, s.delegation_pattern, texts)
    return _Facts(tuple(found.values()), tuple(invoked))


def gather(
    doc: Document, pack: RulePack, agent_classes: Mapping[str, str | None] | None = None
) -> list[Evidence]:
    """Every piece of evidence, sorted by line; delegation evidence when the classes of the
    repository's agents are given."""
    s = settings(pack)
    facts = _facts(doc, pack)
    found = {e.rule: e for e in facts.evidence}
    if agent_classes is not None:
        delegated: dict[str, int] = {}
        for name, line in facts.invoked:
            if name in agent_classes and name != doc.name:
                delegated.setdefault(name, line)
        risky = [
            (n, ln) for n, ln in delegated.items() if agent_classes[n] in ("deployment", "batch")
        ]
        if risky:
            name, line = risky[0]
            found.setdefault(
                "delegation",
                Evidence(
                    line,
                    "deployment",
                    int(s.delegation["weight"]),
                    f"{s.delegation['what']} (`{name}`)",
                    "delegation",
                ),
            )
        if len(delegated) >= 2 and risky:
            line = sorted(delegated.values())[1]
            found.setdefault(
                "fan-out",
                Evidence(
                    line,
                    "batch",
                    int(s.delegation["fan-out-weight"]),
                    f"fans out to {len(delegated)} agents ({', '.join(sorted(delegated))})",
                    "fan-out",
                ),
            )
    return sorted(found.values(), key=lambda e: (e.line, e.rule))


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


def _decide(evidence: Sequence[Evidence], s: Settings) -> tuple[SafetyClass | None, str, str]:
    change = sum(e.weight for e in evidence if e.signal == "deployment")
    batch = sum(e.weight for e in evidence if e.signal == "batch")
    read_only = sum(e.weight for e in evidence if e.signal == "read-only")
    score = f"deployment {change}, batch {batch}, read-only {read_only}"
    if change >= s.decide:
        if read_only >= change:
            return None, score, f"contradictory evidence ({score})"
        cls: SafetyClass = "batch" if batch >= s.batch else "deployment"
        return cls, f"inferred: {score}", ""
    if change >= s.weak and read_only < change:
        return None, score, f"weak evidence ({score}; {s.decide} needed to decide)"
    return "read-only", f"inferred: {score}", ""


def classify(
    doc: Document,
    pack: RulePack,
    overrides: Sequence[tuple[str, SafetyClass]] = (),
    agent_classes: Mapping[str, str | None] | None = None,
) -> Classification:
    """Declared, then configured, then the agent tools rule, then inferred (spec §2)."""
    kinds = kinds_table(pack)
    if kinds.checked_as(doc.target.kind) == "document":
        return Classification(None, None)
    declared = doc.frontmatter.data.get("safety-class")
    if declared is not None:
        value = declared.strip() if isinstance(declared, str) else None
        if is_class(value):
            line = doc.frontmatter.line_of("safety-class")
            ev = Evidence(line, value, 0, f"declares safety-class: {declared}", "declared")
            return Classification(value, "declared", [ev], "frontmatter safety-class")
        return Classification(
            None, None, [], "", f"safety-class '{declared}' is not one of {', '.join(CLASSES)}"
        )
    for pattern, cls in overrides:
        if fnmatchcase(doc.target.rel, pattern):
            ev = Evidence(1, cls, 0, f"configuration sets {pattern} to {cls}", "config")
            return Classification(cls, "config", [ev], f"configuration override {pattern}")
    s = settings(pack)
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
    evidence = gather(doc, pack, agent_classes)
    decided, decided_by, reason = _decide(evidence, s)
    if decided is None:
        return Classification(None, None, evidence, reason, reason)
    return Classification(decided, "inferred", evidence, decided_by)
