"""What the language server asks of the engine, without any LSP types: lint an editor buffer
the way `check` lints the file, the edits of `--fix` and of declaring a class. The only reads
of the repository are `load_project` (once; again when a `.claude` file or the configuration
changes) and `learn_agents` (each agent once, when a buffer first mentions it).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from difflib import SequenceMatcher
from pathlib import Path

from .check import Selector, check_document
from .checks.repository import Facts
from .classify import classify
from .config import Config, ConfigError, load_config
from .discover import Selection, kind_of, matches_any, relative, root_for_files, select_paths
from .engine import core_documents, internal_error, lint
from .fix import FixOutcome, fix_document
from .model import CLASSES, Classification, Document, FileResult, Target
from .parse import parse_text, unreadable
from .rulepack import RulePack, RulePackError, default_pack
from .runner import UsageError, make_selector
from .text import lines_with_endings


@dataclass
class Project:
    """One repository as the server sees it: its configuration and the facts every file is
    judged against (agents and their classes, command names), computed once."""

    root: Path
    config: Config = field(default_factory=Config)
    pack: RulePack | None = None
    selector: Selector = field(default_factory=Selector)
    agent_classes: dict[str, str | None] = field(default_factory=dict)  # the agents checked
    facts: Facts = field(default_factory=Facts)
    checked: set[str] = field(default_factory=set)  # agents checked so far (root-relative)
    problem: str = ""  # a configuration or rule-pack error: no file can be linted


def project_root(path: Path, folders: Sequence[Path] = ()) -> Path:
    """The root `check` would use for this one file when run from the editor's workspace
    folder that holds it (the innermost), else from the file's folder."""
    holding = [f for f in folders if path.is_relative_to(f)]
    cwd = max(holding, key=lambda f: len(f.parts)) if holding else path.parent
    return root_for_files([path], cwd).absolute()


def load_project(root: Path) -> Project:
    """Configuration, rule pack and the repository facts (every agent's names, every command's
    /name). Agents are checked later, once each, when a file mentions them (`learn_agents`):
    a repository of 400 agents opens as fast as one of four."""
    try:
        config = load_config(root)
        pack = default_pack(tuple(config.rule_folders))
        selector = make_selector(pack, config)
    except (ConfigError, RulePackError, UsageError) as err:
        try:  # the bundled pack still says which files are ours, to show them the problem
            bundled: RulePack | None = default_pack()
        except RulePackError:
            bundled = None
        return Project(root, pack=bundled, problem=str(err))
    run = lint(Selection(root, []), pack, config, selector, jobs=1)
    return Project(root, config, pack, selector, dict(run.agent_classes), run.facts)


def learn_agents(project: Project, text: str) -> None:
    """Check the agents whose name the text mentions and that are not known yet, the way a
    `check` run on a file checks the agents it invokes: their classes are delegation
    evidence, their facts feed the repository rules. A mention is a superset of an
    invocation, so nothing an invocation needs is missed; each agent is checked once."""
    pack = project.pack
    assert pack is not None
    lowered = text.lower()
    paths = sorted(
        {
            facts.path
            for name, facts in project.facts.agents.items()
            if name in lowered
            and facts.path not in project.checked
            and not facts.path.startswith("(external)")
        }
    )
    if not paths:
        return
    project.checked.update(paths)
    docs = core_documents(pack, project.config)
    selection = select_paths(project.root, [project.root / p for p in paths], docs)
    run = lint(selection, pack, project.config, project.selector, jobs=1)
    for name, cls in run.agent_classes.items():
        project.agent_classes[name] = cls
        if name in run.facts.agents:
            project.facts.agents[name] = run.facts.agents[name]


def target_for(project: Project, path: Path) -> Target | None:
    """The file as `check` would see it, or None when it is not a command, agent or core
    document (or the configuration excludes it)."""
    if project.pack is None:
        return None
    rel = relative(path, project.root)
    kind = kind_of(rel, core_documents(project.pack, project.config))
    if kind is None or matches_any(rel, project.config.exclude):
        return None
    return Target(path, rel, kind)


@dataclass
class Linted:
    """A buffer's verdict, with what the code actions need."""

    text: str
    result: FileResult
    doc: Document | None  # None when the file is in error


def lint_text(project: Project, target: Target, text: str) -> Linted:
    """The same verdict `check` gives the file, for the editor's text; never raises."""
    pack = project.pack
    assert pack is not None, "a project with a configuration problem lints nothing"
    limit = project.config.max_file_size
    try:
        size = len(text.encode("utf-8", "surrogatepass"))
        if size > limit:
            doc = unreadable(target, f"file too large ({size} bytes > limit {limit}); not parsed")
        else:
            doc = parse_text(target, text)
        cls = Classification(None, None)
        if doc.readable:
            learn_agents(project, text)
            cls = classify(doc, pack, project.config.classes, project.agent_classes)
        result = check_document(doc, cls, pack, project.selector, project.facts)
    except Exception as err:  # a bug must cost one diagnostic, not the server
        return Linted(text, internal_error(target, pack, err), None)
    return Linted(text, result, doc if result.status != "error" else None)


def fix_text(project: Project, linted: Linted) -> FixOutcome | None:
    """What `check --fix` would make of the buffer (verified by checking it again), or None
    when nothing in it is fixable."""
    pack = project.pack
    if pack is None or linted.doc is None or not any(v.fixable for v in linted.result.violations):
        return None
    target = linted.doc.target

    def recheck(fixed: str) -> tuple[FileResult, Classification]:
        again = lint_text(project, target, fixed)
        cls = Classification(again.result.cls, again.result.class_source)
        return again.result, cls

    return fix_document(linted.doc, linted.result, linted.text, pack, recheck)


def declare_class(project: Project, linted: Linted, cls: str) -> str | None:
    """The buffer with `safety-class: cls` declared in its frontmatter (a block is added when
    there is none), or None when the result would not be a file of that declared class."""
    doc = linted.doc
    if doc is None or cls not in CLASSES or doc.target.kind == "document":
        return None
    lines = lines_with_endings(linted.text)
    newline = "\r\n" if lines and lines[0].endswith("\r\n") else "\n"
    fm = doc.frontmatter
    line = f"safety-class: {cls}{newline}"
    declared = fm.key_lines.get("safety-class", 0)
    if declared and lines[declared - 1].startswith("safety-class:"):  # a value not a class
        ending = lines[declared - 1][len(lines[declared - 1].rstrip("\r\n")) :]
        fixed = "".join([*lines[: declared - 1], line.rstrip("\r\n") + ending, *lines[declared:]])
    elif fm.start_line and fm.end_line:
        fixed = "".join([*lines[: fm.end_line - 1], line, *lines[fm.end_line - 1 :]])
    else:
        fixed = "".join([f"---{newline}", line, f"---{newline}", *lines])
    again = lint_text(project, doc.target, fixed)
    if again.result.cls != cls or again.result.class_source != "declared":
        return None  # e.g. a flow-style frontmatter mapping: leave it to the author
    return fixed


@dataclass(frozen=True)
class Edit:
    """Replace lines [start, end) of the original text (0-based; `end` may be one past the
    last line) with `text`. Line-granular: a fix inserts whole lines."""

    start: int
    end: int
    text: str


def line_edits(original: str, fixed: str) -> list[Edit]:
    """The smallest line edits that turn `original` into `fixed`."""
    a, b = lines_with_endings(original), lines_with_endings(fixed)
    matcher = SequenceMatcher(None, a, b, autojunk=False)
    return [
        Edit(i1, i2, "".join(b[j1:j2]))
        for op, i1, i2, j1, j2 in matcher.get_opcodes()
        if op != "equal"
    ]
