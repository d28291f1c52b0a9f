"""The policy as data: load and validate the YAML rule pack (`rules/*.yaml`).

Every problem names the rule file and line, so a team editing a pack sees where it went wrong.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, TypeVar

from . import bundled_rules_path, classification_pack
from .model import (
    CLASSES,
    KINDS,
    SEVERITIES,
    Kind,
    SafetyClass,
    Severity,
    is_class,
)
from .patterns import compile_error, compile_pattern
from .record import record
from .safeyaml import node_line
from .sectionfix import SectionFix, check_fix, read_fix

T = TypeVar("T", bound=str)

CHECK_KINDS = (
    "section",
    "first-section",
    "statement",
    "protocol",
    "exists",
    "builtin",
    "frontmatter-value",
    "frontmatter-keys",
    "confirm-before-mutation",
    "repository",
    "allowed-tools",
    "confirmation-reachable",
    "class-contradicted",
)
# Kinds whose options are free-form data checked by the check itself.
DATA_OPTION_KINDS = (
    "frontmatter-value",
    "frontmatter-keys",
    "confirm-before-mutation",
    "repository",
    "allowed-tools",
    "confirmation-reachable",
)


class RulePackError(Exception):
    """A rule pack that cannot be used; the message names file and line."""


@record
class SectionSpec:
    id: str
    heading: str
    level: int
    fix: SectionFix | None = None  # None: a missing section is for the author to write


@record
class Part:
    """One thing a statement rule looks for: all `patterns` in one place."""

    label: str
    patterns: tuple[re.Pattern[str], ...]
    heading: re.Pattern[str] | None = None  # look inside sections with a matching heading
    scope: str = "block"  # block: all patterns in one paragraph; section: anywhere in the part
    include_code: bool = False
    concepts: tuple[str, ...] = ()  # a requirement: these concepts in one sentence or list item


@record
class Applies:
    kind: Kind
    classes: tuple[SafetyClass, ...] = ()  # empty: any class
    section: str | None = None  # look only inside this required section
    path: str | None = None  # documents: the core document's path
    when: re.Pattern[str] | None = None  # only when the file mentions this
    when_text: str = ""  # what `when` means, for the documentation
    unless_kind: tuple[str, ...] = ()  # not for these kinds (checked as `kind` otherwise)


@dataclass(frozen=True)
class Rule:
    code: str
    name: str
    severity: Severity
    check: str
    applies: tuple[Applies, ...]
    done: str
    todo: str
    doc: dict[str, str]
    section: str | None = None  # section / first-section kinds
    parts: tuple[Part, ...] = ()  # statement kind
    questions: tuple[re.Pattern[str], ...] = ()  # protocol kind
    question_texts: tuple[str, ...] = ()
    source: str = ""  # file:line, for messages about the rule itself
    suppressible: bool = True  # false: no suppression or baseline can silence it
    options: dict[str, Any] = field(default_factory=dict)  # data options of some kinds
    trusted: bool = True  # from the bundled pack: its patterns run on `re`, not under a timeout


@dataclass(eq=False)  # hashable by identity: compiled settings are cached per pack
class RulePack:
    rules: list[Rule]
    sections: dict[str, SectionSpec]
    core_documents: list[str]
    classification: dict[str, Any]
    templates: dict[str, str] = field(default_factory=dict)
    status: dict[str, Any] = field(default_factory=dict)
    required_documents: list[str] = field(default_factory=list)  # even when unconfigured
    kinds: dict[str, Any] = field(default_factory=dict)  # rules/kinds.yaml, see kinds.py
    words: dict[str, list[str]] = field(default_factory=dict)  # word lists used in phrases
    concepts: dict[str, dict[str, Any]] = field(default_factory=dict)  # see concepts.py
    negation: dict[str, list[str]] = field(default_factory=dict)
    classification_trusted: bool = True  # no team rule file changed `classification`
    folders: tuple[Path, ...] = ()  # the team's rule folders: catalogue and lexicons are read there
    # The literal prefilter (prefilter.py) of each concept phrase and evidence pattern, by
    # source, kept in the pack cache so that a run does not parse every pattern to find it.
    prefilters: dict[str, frozenset[str] | None] = field(default_factory=dict)

    def find(self, key: str) -> Rule | None:
        """A rule by code (any case) or name."""
        return next(
            (r for r in self.rules if key in (r.code, r.name) or key.upper() == r.code), None
        )

    def did_you_mean(self, key: str) -> str:
        """`; did you mean 'three-questions'?` for a near miss of a rule name or code, else ''."""
        names = [r.name for r in self.rules] + [r.code for r in self.rules]
        close = difflib.get_close_matches(key if "-" in key else key.upper(), names, n=1)
        return f"; did you mean '{close[0]}'?" if close else ""


class _Reader:
    """Typed access to one YAML file's nodes, raising RulePackError with file:line."""

    def __init__(self, path: Path, trusted: bool = True) -> None:
        self.path = path
        self.trusted = trusted  # a bundled rule file, not a team's

    def fail(self, node: Any, key: str | int | None, message: str) -> RulePackError:
        return RulePackError(f"{self.path}:{node_line(node, key)}: {message}")

    def keys(self, node: Any, allowed: Iterable[str], required: Iterable[str], what: str) -> None:
        if not isinstance(node, dict):
            raise self.fail(node, None, f"{what} must be a mapping")
        allowed = list(allowed)
        for key in node:
            if key not in allowed:
                close = difflib.get_close_matches(str(key), allowed, n=1)
                hint = f"; did you mean '{close[0]}'?" if close else ""
                raise self.fail(node, key, f"unknown key '{key}' in {what}{hint}")
        for key in required:
            if key not in node:
                raise self.fail(node, None, f"{what} is missing '{key}'")

    def string(self, node: Any, key: str, default: str | None = None) -> str:
        value = node.get(key, default)
        if not isinstance(value, str):
            raise self.fail(node, key, f"'{key}' must be a string")
        return value

    def strings(self, node: Any, key: str) -> list[str]:
        value = node.get(key, [])
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise self.fail(node, key, f"'{key}' must be a string or a list of strings")
        return list(value)

    def choice(self, node: Any, key: str, choices: tuple[T, ...], default: str | None = None) -> T:
        """The value, which must be one of `choices` (returned typed as they are)."""
        value = self.string(node, key, default)
        for choice in choices:
            if choice == value:
                return choice
        raise self.fail(node, key, f"'{key}' is '{value}'; expected one of {', '.join(choices)}")

    def regex(self, node: Any, key: str | int, pattern: Any) -> re.Pattern[str]:
        if not isinstance(pattern, str):
            raise self.fail(node, key, "a pattern must be a string")
        where = f"{self.path.name}:{node_line(node, key)}"
        try:
            return compile_pattern(pattern, re.IGNORECASE, self.trusted, where)
        except compile_error() as err:
            raise self.fail(node, key, f"bad regular expression {pattern!r}: {err}") from None


def _applies(
    r: _Reader, node: Any, sections: dict[str, SectionSpec], kinds: tuple[str, ...]
) -> Applies:
    r.keys(
        node,
        ("kind", "class", "section", "path", "when", "unless-kind"),
        ("kind",),
        "an applies entry",
    )
    classes: list[SafetyClass] = []
    for c in r.strings(node, "class"):
        if not is_class(c):
            raise r.fail(
                node, "class", f"unknown class '{c}'; expected one of {', '.join(CLASSES)}"
            )
        classes.append(c)
    section = node.get("section")
    if section is not None and section not in sections:
        raise r.fail(node, "section", f"unknown section '{section}'")
    when, when_text = None, ""
    if "when" in node:
        raw = node["when"]
        if isinstance(raw, dict):
            r.keys(raw, ("pattern", "means"), ("pattern", "means"), "'when'")
            when, when_text = r.regex(raw, "pattern", raw["pattern"]), r.string(raw, "means")
        else:
            when, when_text = r.regex(node, "when", raw), f"mention `{raw}`"
    path = r.string(node, "path") if "path" in node else None
    unless = r.strings(node, "unless-kind")
    for k in unless:
        if k not in kinds:
            raise r.fail(
                node, "unless-kind", f"unknown kind '{k}'; expected one of {', '.join(kinds)}"
            )
    kind = r.choice(node, "kind", kinds)
    return Applies(kind, tuple(classes), section, path, when, when_text, tuple(unless))


def _requirements(r: _Reader, node: Any) -> tuple[Part, ...]:
    """`requires`: each a list of concept names (`not NAME` when it must be negated)."""
    r.keys(node, ("requires", "include_code"), ("requires",), "statement options")
    raw = node["requires"]
    if not isinstance(raw, list) or not raw:
        raise r.fail(node, "requires", "'requires' must be a non-empty list")
    include_code = _boolean(r, node, "include_code", False)
    parts = []
    for item in raw:
        r.keys(item, ("means", "concepts"), ("means", "concepts"), "a requirement")
        names = r.strings(item, "concepts")
        if not names:
            raise r.fail(item, "concepts", "'concepts' must name at least one concept")
        parts.append(
            Part(r.string(item, "means"), (), include_code=include_code, concepts=tuple(names))
        )
    return tuple(parts)


def _parts(r: _Reader, node: Any) -> tuple[Part, ...]:
    if isinstance(node, dict) and "requires" in node:
        return _requirements(r, node)
    raw = node.get("parts")
    if raw is None:
        raw = [node]  # a single part written inline
        allowed: tuple[str, ...] = ("patterns", "scope", "include_code")
    else:
        allowed = ("label", "patterns", "heading", "scope", "include_code")
        if not isinstance(raw, list) or not raw:
            raise r.fail(node, "parts", "'parts' must be a non-empty list")
    parts = []
    for item in raw:
        r.keys(item, allowed, ("patterns",), "a statement part")
        pats = item.get("patterns")
        if not isinstance(pats, list) or not pats:
            raise r.fail(item, "patterns", "'patterns' must be a non-empty list")
        compiled = tuple(r.regex(pats, i, p) for i, p in enumerate(pats))
        heading = r.regex(item, "heading", item["heading"]) if "heading" in item else None
        include_code = item.get("include_code", False)
        if not isinstance(include_code, bool):
            raise r.fail(item, "include_code", "'include_code' must be true or false")
        parts.append(
            Part(
                label=r.string(item, "label", ""),
                patterns=compiled,
                heading=heading,
                scope=r.choice(item, "scope", ("block", "section"), "block"),
                include_code=include_code,
            )
        )
    return tuple(parts)


RULE_KEYS = (
    "code",
    "name",
    "severity",
    "check",
    "applies",
    "options",
    "done",
    "todo",
    "doc",
    "suppressible",
)
DOC_KEYS = ("what", "why", "fix", "example", "failing")


def _rule(
    r: _Reader, node: Any, sections: dict[str, SectionSpec], kinds: tuple[str, ...] = KINDS
) -> Rule:
    r.keys(node, RULE_KEYS, ("code", "name", "severity", "check", "applies", "doc"), "a rule")
    code, name = r.string(node, "code"), r.string(node, "name")
    if not re.fullmatch(r"[A-Z]{2,4}\d{3}", code):
        raise r.fail(node, "code", f"rule code '{code}' must look like PS101")
    if not re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", name):
        raise r.fail(node, "name", f"rule name '{name}' must be kebab-case")
    check = r.choice(node, "check", CHECK_KINDS)
    applies_raw = node.get("applies")
    if not isinstance(applies_raw, list):
        raise r.fail(node, "applies", "'applies' must be a list")
    applies = tuple(_applies(r, a, sections, kinds) for a in applies_raw)
    doc = node.get("doc")
    r.keys(doc, DOC_KEYS, DOC_KEYS, f"the doc of rule {code}")
    options = node.get("options", {})
    rule = Rule(
        code=code,
        name=name,
        severity=r.choice(node, "severity", SEVERITIES),
        check=check,
        applies=applies,
        done=r.string(node, "done", ""),
        todo=r.string(node, "todo", ""),
        doc={k: r.string(doc, k) for k in doc},
        source=f"{r.path.name}:{node_line(node)}",
        suppressible=_boolean(r, node, "suppressible", True),
        trusted=r.trusted,
    )
    if check in ("section", "first-section"):
        r.keys(options, ("section",), ("section",), f"options of rule {code}")
        if options["section"] not in sections:
            raise r.fail(options, "section", f"unknown section '{options['section']}'")
        return _replace(rule, section=options["section"])
    if check == "statement":
        return _replace(rule, parts=_parts(r, options))
    if check == "protocol":
        r.keys(options, ("questions",), ("questions",), f"options of rule {code}")
        qs = options["questions"]
        if not isinstance(qs, list) or not qs:
            raise r.fail(options, "questions", "'questions' must be a non-empty list")
        texts = tuple(r.string(q, "text") for q in qs)
        pats = tuple(r.regex(q, "pattern", q.get("pattern")) for q in qs)
        for q in qs:
            r.keys(q, ("text", "pattern"), ("text", "pattern"), "a protocol question")
        return _replace(rule, questions=pats, question_texts=texts)
    if check in DATA_OPTION_KINDS:
        if not isinstance(options, dict):
            raise r.fail(node, "options", "'options' must be a mapping")
        return _replace(rule, options=_plain(options))
    if options:
        raise r.fail(node, "options", f"a '{check}' rule takes no options")
    return rule


def _boolean(r: _Reader, node: Any, key: str, default: bool) -> bool:
    value = node.get(key, default)
    if not isinstance(value, bool):
        raise r.fail(node, key, f"'{key}' must be true or false")
    return value


def _replace(rule: Rule, **changes: Any) -> Rule:
    from .record import replace

    return replace(rule, **changes)


RULE_FILE_LIMIT = 4 << 20  # bytes


def _load_file(path: Path, with_lines: bool, folder: Path, trusted: bool) -> Any:
    from ruamel.yaml import YAML
    from ruamel.yaml.error import YAMLError

    from . import safeyaml
    from .fsutil import FileProblem, read_bytes

    # The safe loader (C-accelerated) is ten times faster; the round-trip loader's nodes carry
    # line numbers, so it is used to explain a pack that failed validation. Neither builds
    # arbitrary Python objects. A rule file is read only from inside its folder; a team's is
    # loaded within the YAML limits (the bundled pack is ours, and large: no scan).
    yaml = YAML(typ="rt") if with_lines else YAML(typ="safe")
    try:
        text = read_bytes(path, RULE_FILE_LIMIT, root=folder).decode("utf-8")
        return yaml.load(text) if trusted else safeyaml.load(yaml, text)
    except safeyaml.YamlLimit as err:
        line = err.line + 1 if err.line is not None else 0
        raise RulePackError(f"{path}:{line}: {err}") from None
    except FileProblem as err:
        raise RulePackError(f"{path}: {err}") from None
    except YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        line = mark.line + 1 if mark is not None else 0
        raise RulePackError(
            f"{path}:{line}: invalid YAML: {getattr(err, 'problem', err)}"
        ) from None
    except (OSError, UnicodeDecodeError) as err:
        raise RulePackError(f"{path}: cannot read rule file: {err}") from None


# `catalogue` and `lexicons` are read by safety_lint.catalogue / safety_lint.lexicon.
TOP_KEYS = (
    "sections",
    "rules",
    "core-documents",
    "required-core-documents",
    "classification",
    "templates",
    "status",
    "catalogue",
    "lexicons",
    "kinds",
    "words",
    "concepts",
    "negation",
)


def merge_concepts(r: _Reader, data: Any, *into: Any) -> None:
    from .concepts import merge

    merge(r, data, *into)


def load_pack(folders: Iterable[Path]) -> RulePack:
    """Merge every `*.yaml` of the folders, in order (later folders add rules). A pack that
    fails validation is loaded again with line numbers, so the error names file and line."""
    folders = list(folders)
    bundled = bundled_rules_dir()
    files = [
        (p, folder, folder == bundled) for folder in folders for p in sorted(folder.glob("*.yaml"))
    ]
    if not files:
        raise RulePackError("no rule files found (rules/*.yaml)")
    try:
        pack = _load_pack(files, with_lines=False)
    except RulePackError:
        pack = _load_pack(files, with_lines=True)
    pack.folders = tuple(f for f in folders if f.resolve() != bundled.resolve())
    return pack


def _load_pack(files: list[tuple[Path, Path, bool]], with_lines: bool) -> RulePack:
    docs = []
    for path, folder, trusted in files:
        data = _load_file(path, with_lines, folder, trusted)
        if data is None:
            continue
        _Reader(path, trusted).keys(data, TOP_KEYS, (), "a rule file")
        docs.append((_Reader(path, trusted), data))
    sections: dict[str, SectionSpec] = {}
    core: list[str] = []
    required: list[str] = []
    fixes: list[tuple[_Reader, Any, str, SectionFix]] = []
    classification: dict[str, Any] = {}
    templates: dict[str, str] = {}
    status: dict[str, Any] = {}
    kinds: dict[str, Any] = {}
    words: dict[str, list[str]] = {}
    concepts: dict[str, dict[str, Any]] = {}
    negation: dict[str, list[str]] = {}
    classification_trusted = True
    for r, data in docs:
        merge_concepts(r, data, words, concepts, negation)
        for sid, spec in (data.get("sections") or {}).items():
            r.keys(spec, ("heading", "level", "fix"), ("heading", "level"), f"section '{sid}'")
            level = spec["level"]
            if not isinstance(level, int) or not 1 <= level <= 6:
                raise r.fail(spec, "level", "'level' must be 1 to 6")
            fix = read_fix(r, spec["fix"], str(sid)) if "fix" in spec else None
            sections[str(sid)] = SectionSpec(str(sid), r.string(spec, "heading"), level, fix)
            if fix is not None:
                fixes.append((r, spec, str(sid), fix))
        if "core-documents" in data:
            core.extend(r.strings(data, "core-documents"))
        required.extend(r.strings(data, "required-core-documents"))
        if "classification" in data:  # validated, and merged by id: never replaced whole
            classification_pack.merge(classification, data["classification"], r, _plain)
            classification_trusted = classification_trusted and r.trusted
        if "status" in data:
            status.update(_plain(data["status"]))
        if "kinds" in data:
            _merge_kinds(r, data["kinds"], kinds)
        for tid in data.get("templates") or {}:
            templates[str(tid)] = r.string(data["templates"], tid)
    rules: list[Rule] = []
    seen: dict[str, str] = {}
    for r, data in docs:
        raw = data.get("rules") or []
        if not isinstance(raw, list):
            raise r.fail(data, "rules", "'rules' must be a list")
        for node in raw:
            rule = _rule(r, node, sections, tuple(kinds.get("table") or KINDS))
            for key in (rule.code, rule.name):
                if key in seen:
                    raise r.fail(
                        node, None, f"duplicate rule '{key}' (first defined at {seen[key]})"
                    )
                seen[key] = rule.source
            rules.append(rule)
    rules.sort(key=lambda rule: rule.code)
    by_name = {rule.name: rule for rule in rules}
    for r, spec, sid, fix in fixes:
        check_fix(r, spec["fix"], sid, fix, templates, by_name)
    for doc in required:
        if doc not in core:
            raise RulePackError(f"required core document '{doc}' is not in core-documents")
    pack = RulePack(
        rules,
        sections,
        core,
        classification,
        templates,
        status,
        required,
        words=words,
        concepts=concepts,
        negation=negation,
        kinds=kinds,
        classification_trusted=classification_trusted,
    )
    from .classify import evidence_sources
    from .concepts import check_pack, source_literals
    from .prefilter import required as literals_of

    pack.prefilters = source_literals(check_pack(pack))
    pack.prefilters.update({src: literals_of(src, f) for src, f in evidence_sources(pack)})
    return pack


def _merge_kinds(r: _Reader, node: Any, into: dict[str, Any]) -> None:
    """A kinds table (see rules/kinds.yaml); a later file adds kinds or replaces one whole."""
    if not isinstance(node, dict):
        raise r.fail(node, None, "'kinds' must be a mapping")
    table = node.get("table") or {}
    if not isinstance(table, dict):
        raise r.fail(node, "table", "'table' must be a mapping of kinds")
    for name, spec in table.items():
        r.keys(
            spec,
            ("checked-as", "found", "name", "tools", "keys", "bundled-files", "values"),
            ("checked-as", "found", "name"),
            f"kind '{name}'",
        )
    plain = _plain(node)
    merged_table = {**into.get("table", {}), **plain.get("table", {})}
    into.update(plain)
    into["table"] = merged_table


def _plain(node: Any) -> Any:
    """ruamel's commented containers to plain dicts and lists."""
    if isinstance(node, dict):
        return {str(k): _plain(v) for k, v in node.items()}
    if isinstance(node, list):
        return [_plain(v) for v in node]
    return node


def bundled_rules_dir() -> Path:
    """The rule pack shipped in the wheel, or the repository's `rules/` in a source checkout."""
    found = bundled_rules_path()
    if found is not None:
        return Path(found)
    raise RulePackError("the bundled rule pack is missing (safety_lint/rules)")


@lru_cache(maxsize=8)
def default_pack(extra: tuple[Path, ...] = ()) -> RulePack:
    """The bundled pack and the team's folders, validated once and then kept in the user
    cache folder until a pack file or safety-lint itself changes (`cache.py`)."""
    from .cache import cached_object, pack_key, user_dir

    folders = [bundled_rules_dir(), *extra]
    return cached_object(
        user_dir() / "packs",
        pack_key(folders),
        lambda: load_pack(folders),
        lambda found: isinstance(found, RulePack),
    )
