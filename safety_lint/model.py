"""Plain data passed between the stages: discover -> parse -> classify -> check -> report."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Literal, TypeGuard

from .record import record

Kind = str  # a kind of the rule pack's kinds table: command, skill, agent, document, ...
Severity = Literal["error", "warning"]
Status = Literal["pass", "fail", "error"]
SafetyClass = Literal["deployment", "batch", "read-only"]

# The one list of each; every other module imports these. The kinds are data (the rule pack's
# kinds table, rules/kinds.yaml); KINDS is the list a pack without that table falls back to.
KINDS: tuple[Kind, ...] = ("command", "skill", "agent", "document")
SEVERITIES: tuple[Severity, ...] = ("error", "warning")
CLASSES: tuple[SafetyClass, ...] = ("deployment", "batch", "read-only")


def is_severity(value: object) -> TypeGuard[Severity]:
    return value in SEVERITIES


def is_class(value: object) -> TypeGuard[SafetyClass]:
    return value in CLASSES


@record
class Target:
    """A file to lint: where it is and what kind of file the policy says it is."""

    path: Path  # absolute
    rel: str  # relative to the root, forward slashes (`~/.claude/...` for personal files)
    kind: Kind
    plugin: str | None = None  # the plugin it comes from
    scope: str = "project"  # project, nested:<folder>, plugin:<name>, user
    name: str = ""  # the name its path gives (stem, skill folder), before the frontmatter's


@record
class Block:
    """One piece of countable or uncountable text from the token stream.

    `text` is the raw inline content; `counts` is False for text that the policy says never
    counts (code, HTML, blockquotes). Lines are 1-based lines of the ORIGINAL file.
    """

    type: Literal["heading", "text", "code", "html"]
    line: int
    end_line: int
    text: str
    counts: bool
    level: int = 0  # heading level, or 0
    info: str = ""  # fence info string
    in_list: bool = False  # a list item's text: a step or a bullet
    depth: int = 0  # list nesting: 1 for a top-level item's text, 2 for a nested one

    @cached_property
    def norm(self) -> str:
        """The normalised text (spec §5), computed once: every rule reads it."""
        from .text import normalize

        return normalize(self.text)


@record
class Section:
    """A heading and every block up to the next heading of the same or a higher level."""

    heading: Block
    blocks: tuple[Block, ...]

    @property
    def line(self) -> int:
        return self.heading.line


@dataclass
class Frontmatter:
    data: dict[str, object]
    start_line: int  # line of the opening '---' (1-based), 0 when absent
    end_line: int  # line of the closing '---', 0 when absent
    lenient: bool = False  # strict YAML failed; read as key: value lines
    key_lines: dict[str, int] = field(default_factory=dict)  # 1-based line of each top-level key

    def line_of(self, key: str) -> int:
        return self.key_lines.get(key, max(self.start_line, 1))


@dataclass
class Diagnostic:
    """A problem found while reading a file, before any rule runs."""

    requirement: str
    message: str
    line: int = 1
    fatal: bool = True  # the file cannot be linted: status error


@record
class BundledFile:
    """A file of a skill's folder that its SKILL.md names (scripts/deploy.sh,
    references/runbook.md): read for classification evidence, never executed."""

    rel: str  # relative to the skill's folder
    line: int  # the line of SKILL.md that names it
    text: str
    markdown: bool  # instructions to read (markdown, text), else a script to run


@dataclass
class Document:
    target: Target
    frontmatter: Frontmatter
    blocks: list[Block]
    body_start: int  # 1-based line where the body begins
    name: str  # /command-name, agent name, or document title
    diagnostics: list[Diagnostic] = field(default_factory=list)
    directives: list[tuple[int, int, str, str]] = field(default_factory=list)  # suppressions
    bundled: tuple[BundledFile, ...] = ()  # a skill's files it names (see bundled.py)

    @property
    def readable(self) -> bool:
        return not any(d.fatal for d in self.diagnostics)

    @cached_property
    def sections(self) -> tuple[Section, ...]:
        """Every section of the body, split once."""
        from .sections import split_sections

        return tuple(split_sections(self.blocks))


@record
class Evidence:
    line: int
    signal: str  # deployment | batch | read-only
    weight: int
    what: str  # human explanation
    rule: str  # evidence id in the rule pack
    # See `safety_lint.modality`: only instructed and conditional evidence decides a class.
    modality: str = "instructed"
    layer: str = ""  # action | statement | scope | section | delegation | declared

    def describe(self) -> str:
        return f"{self.line}: {self.what}"


@dataclass
class Classification:
    cls: SafetyClass | None  # None: unclassified, or not applicable
    source: str | None  # declared | config | tools | inferred
    evidence: list[Evidence] = field(default_factory=list)
    decided_by: str = ""  # which step decided, for --explain
    unclassified_reason: str = ""


@record
class Violation:
    rule: str  # code, e.g. PS101
    requirement: str  # spec id, e.g. three-questions
    severity: Severity
    line: int
    column: int
    message: str
    fixable: bool = False  # `check --fix` can insert what is missing
    end_line: int = 0  # the last line the finding is about (a whole section), 0: just `line`


@dataclass
class FileResult:
    path: str  # relative to root
    kind: Kind
    name: str
    cls: SafetyClass | None
    class_source: str | None
    evidence: list[str]
    status: Status
    met: list[str]
    violations: list[Violation]
    plugin: str | None = None
    missing: bool = False  # a core document that does not exist (not counted as checked)
