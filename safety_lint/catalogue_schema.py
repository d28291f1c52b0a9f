"""Validation of `rules/catalogue.yaml` (and a team's additions) into a `Catalogue`.

Every problem names the document, the line (when the document was loaded with line numbers)
and, for an unknown key, the closest known one. Imported only when a catalogue is built.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any, TypeVar

from safety_lint.catalogue import (
    EFFECT_ORDER,
    Catalogue,
    CatalogueError,
    Condition,
    Family,
    Rule,
)
from safety_lint.record import replace
from safety_lint.safeyaml import node_line

T = TypeVar("T")
EFFECTS = tuple(EFFECT_ORDER)
TOP = (
    "production",
    "local",
    "environments",
    "target-options",
    "environment-options",
    "target-keys",
    "target-env",
    "production-flags",
    "dry-run-options",
    "generic-verbs",
    "read-verbs",
    "query-suffixes",
    "help-options",
    "deploy-links",
    "sql",
    "families",
)
FAMILY = (
    "id",
    "tools",
    "merge",
    "value-options",
    "target-options",
    "scope-options",
    "dry-run-options",
    "depth",
    "default",
    "statements",
    "statement-options",
    "statement-positional",
    "script-options",
    "calls",
    "rules",
    "mutating",
    "reading",
    "unknown-mutating",
    "unknown",
    "hosts",
    "inner-options",
    "tool-patterns",
    "doc",
)
RULE = ("id", "subcommand", "effect", "when", "unless", "scope", "doc")
CONDITION = (
    "options",
    "global-options",
    "tool",
    "args",
    "last-arg",
    "env",
    "production",
    "remote",
    "deploying-branch",
)
STATEMENTS = ("", "sql", "calls", "lines", "remote")


class _Reader:
    def __init__(self, source: str) -> None:
        self.source = source

    def fail(self, node: Any, key: Any, message: str, hint: str = "") -> CatalogueError:
        return CatalogueError(self.source, node_line(node, key), message, hint)

    def keys(self, node: Any, allowed: Sequence[str], what: str) -> None:
        if not isinstance(node, Mapping):
            raise self.fail(node, None, f"{what} must be a mapping")
        for key in node:
            if key not in allowed:
                import difflib  # only when there is an error to explain

                close = difflib.get_close_matches(str(key), allowed, n=1)
                raise self.fail(
                    node, key, f"unknown key '{key}' in {what}", close[0] if close else ""
                )

    def strings(self, node: Any, key: str) -> list[str]:
        value = node.get(key, [])
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise self.fail(node, key, f"'{key}' must be a string or a list of strings")
        return [str(v) for v in value]

    def flag(self, node: Any, key: str) -> bool:
        value = node.get(key, False)
        if not isinstance(value, bool):
            raise self.fail(node, key, f"'{key}' must be true or false")
        return value

    def choice(self, node: Any, key: str, choices: Sequence[str], default: str) -> str:
        value = node.get(key, default)
        if value not in choices:
            raise self.fail(
                node, key, f"'{key}' is {value!r}; expected one of {', '.join(choices)}"
            )
        return str(value)

    def regex(self, node: Any, key: Any, pattern: str) -> re.Pattern[str]:
        try:
            return re.compile(pattern, re.IGNORECASE)
        except re.error as err:
            raise self.fail(node, key, f"bad regular expression {pattern!r}: {err}") from None


def _condition(r: _Reader, node: Any, what: str) -> Condition:
    if node is None:
        return Condition()
    r.keys(node, CONDITION, what)
    last = node.get("last-arg")
    if last is not None and not isinstance(last, str):
        raise r.fail(node, "last-arg", "'last-arg' must be a regular expression")
    tool = node.get("tool")
    if tool is not None and not isinstance(tool, str):
        raise r.fail(node, "tool", "'tool' must be a regular expression")
    return Condition(
        options=tuple(r.strings(node, "options")),
        global_options=tuple(r.strings(node, "global-options")),
        tool=r.regex(node, "tool", tool) if tool else None,
        args=tuple(r.regex(node, "args", p) for p in r.strings(node, "args")),
        last_arg=r.regex(node, "last-arg", last) if last else None,
        env=tuple(r.strings(node, "env")),
        production=r.flag(node, "production"),
        remote=r.flag(node, "remote"),
        deploying_branch=r.flag(node, "deploying-branch"),
    )


def _when(r: _Reader, node: Any) -> tuple[Condition, ...]:
    """`when`: one condition (any of its parts holds) or a list (all of them hold)."""
    if node is None:
        return ()
    items = node if isinstance(node, list) else [node]
    return tuple(_condition(r, item, "a rule's 'when'") for item in items)


def _rule_id(pattern: Sequence[str]) -> str:
    return "-".join(w for w in pattern if w not in ("*", "**")) or "any"


def _rules(r: _Reader, node: Mapping[str, Any], fid: str) -> list[Rule]:
    rules: list[Rule] = []
    raw = node.get("rules") or []
    if not isinstance(raw, list):
        raise r.fail(node, "rules", f"'rules' of family '{fid}' must be a list")
    for item in raw:
        r.keys(item, RULE, f"a rule of family '{fid}'")
        sub = item.get("subcommand", "")
        if not isinstance(sub, str):
            raise r.fail(item, "subcommand", "'subcommand' must be words (globs allowed)")
        pattern = tuple(sub.lower().split())
        rules.append(
            Rule(
                id=str(item.get("id") or _rule_id(pattern)),
                pattern=pattern,
                effect=r.choice(item, "effect", (*EFFECTS, "by-name", "inner"), "mutating"),
                when=_when(r, item.get("when")),
                unless=_condition(r, item.get("unless"), "a rule's 'unless'"),
                scope=r.flag(item, "scope"),
            )
        )
    # The shorthand lists: literal subcommands (longest first), then globs in file order.
    short: list[Rule] = []
    for effect in ("mutating", "unknown-mutating", "unknown", "reading"):
        for sub in r.strings(node, effect):
            pattern = tuple(sub.lower().split())
            short.append(Rule(id=_rule_id(pattern), pattern=pattern, effect=effect))
    literal: list[Rule] = []
    globbed: list[Rule] = []
    for x in short:
        is_glob = any(ch in w for w in x.pattern for ch in "*?[")
        (globbed if is_glob else literal).append(x)
    literal.sort(key=lambda x: -len(x.pattern))
    return [*rules, *literal, *globbed]


def _family(r: _Reader, node: Any) -> tuple[Family, bool]:
    r.keys(node, FAMILY, "a catalogue family")
    fid = node.get("id")
    if not isinstance(fid, str) or not re.fullmatch(r"[a-z0-9][a-z0-9_-]*", fid):
        raise r.fail(node, "id", "a family needs an 'id' (lower-case, kebab-case)")
    merge = r.flag(node, "merge")
    tools = [t.lower() for t in r.strings(node, "tools")]
    patterns = tuple(r.regex(node, "tool-patterns", p) for p in r.strings(node, "tool-patterns"))
    if not tools and not patterns and not merge:
        raise r.fail(node, "tools", f"family '{fid}' lists no 'tools'")
    depth = node.get("depth", 3)
    if not isinstance(depth, int) or not 1 <= depth <= 8:
        raise r.fail(node, "depth", "'depth' must be a number from 1 to 8")
    calls = node.get("calls") or {}
    r.keys(calls, ("mutating", "reading"), f"'calls' of family '{fid}'")
    family = Family(
        id=fid,
        tools=tuple(tools),
        value_options=frozenset(r.strings(node, "value-options")),
        target_options=frozenset(r.strings(node, "target-options")),
        scope_options=frozenset(r.strings(node, "scope-options")),
        dry_run_options=frozenset(r.strings(node, "dry-run-options")),
        rules=tuple(_rules(r, node, fid)),
        default=r.choice(node, "default", EFFECTS, "unknown"),
        depth=depth,
        statements=r.choice(node, "statements", STATEMENTS, ""),
        statement_options=frozenset(r.strings(node, "statement-options")),
        statement_positional=r.flag(node, "statement-positional"),
        hosts=r.flag(node, "hosts"),
        inner_options=frozenset(r.strings(node, "inner-options")),
        tool_patterns=patterns,
        script_options=frozenset(r.strings(node, "script-options")),
        calls_mutating=tuple(r.strings(calls, "mutating")),
        calls_reading=tuple(r.strings(calls, "reading")),
        source=f"{r.source}:{node_line(node)}",
    )
    return family, merge


def _merged(old: Family, new: Family, node: Mapping[str, Any]) -> Family:
    """A team's `merge: true` family: its lists add to the built-in one, its rules go first."""
    return replace(
        old,
        tools=tuple(dict.fromkeys([*old.tools, *new.tools])),
        value_options=old.value_options | new.value_options,
        target_options=old.target_options | new.target_options,
        scope_options=old.scope_options | new.scope_options,
        dry_run_options=old.dry_run_options | new.dry_run_options,
        hosts=old.hosts or new.hosts,
        inner_options=old.inner_options | new.inner_options,
        tool_patterns=(*new.tool_patterns, *old.tool_patterns),
        rules=(*new.rules, *old.rules),
        default=new.default if "default" in node else old.default,
        statement_options=old.statement_options | new.statement_options,
        script_options=old.script_options | new.script_options,
        calls_mutating=(*new.calls_mutating, *old.calls_mutating),
        calls_reading=(*new.calls_reading, *old.calls_reading),
    )


def build(documents: Sequence[Mapping[str, object]], sources: Sequence[str] = ()) -> Catalogue:
    lists: dict[str, list[str]] = {key: [] for key in TOP if key not in ("sql", "families")}
    sql: dict[str, list[str]] = {
        "mutating": [],
        "reading": [],
        "two-word": [],
        "objects": [],
        "scan": [],
    }
    families: dict[str, Family] = {}
    for index, document in enumerate(documents):
        source = sources[index] if index < len(sources) else f"catalogue document {index + 1}"
        r = _Reader(source)
        body: Any = document.get("catalogue", document) if isinstance(document, Mapping) else None
        if body is None:
            continue
        r.keys(body, TOP, "the catalogue")
        for key in lists:
            lists[key].extend(r.strings(body, key))
        for key in ("target-keys", "target-env"):
            for pattern in r.strings(body, key):
                r.regex(body, key, pattern)  # a bad pattern is reported where it is written
        if "sql" in body:
            r.keys(body["sql"], tuple(sql), "'sql'")
            for key in sql:
                sql[key].extend(w.upper() for w in r.strings(body["sql"], key))
        raw = body.get("families") or []
        if not isinstance(raw, list):
            raise r.fail(body, "families", "'families' must be a list")
        for node in raw:
            family, merge = _family(r, node)
            if merge:
                if family.id not in families:
                    raise r.fail(
                        node,
                        "merge",
                        f"'merge' names no known family '{family.id}'",
                        _close(family.id, families),
                    )
                families[family.id] = _merged(families[family.id], family, node)
            else:
                families[family.id] = family  # a known id: the team's family replaces it
    by_tool: dict[str, Family] = {}
    for family in families.values():
        for tool in family.tools:
            by_tool[tool] = family  # a later family claims a tool an earlier one listed
    return Catalogue(
        families=tuple(families.values()),
        by_tool=by_tool,
        tool_patterns=tuple((p, f) for f in families.values() for p in f.tool_patterns),
        generic_verbs=frozenset(v.lower() for v in lists["generic-verbs"]),
        read_verbs=frozenset(v.lower() for v in lists["read-verbs"]),
        production=tuple(dict.fromkeys(v.lower() for v in lists["production"])),
        local=frozenset(v.lower() for v in lists["local"]),
        environments=frozenset(v.lower() for v in lists["environments"]),
        target_options=frozenset(lists["target-options"]),
        environment_options=frozenset(lists["environment-options"]),
        target_keys=re.compile("|".join(f"(?:{p})" for p in lists["target-keys"]) or "(?!)", re.I),
        target_env=re.compile("|".join(f"(?:{p})" for p in lists["target-env"]) or "(?!)", re.I),
        production_flags=frozenset(lists["production-flags"]),
        dry_run_options=frozenset(lists["dry-run-options"]),
        sql_mutating=frozenset(sql["mutating"]),
        sql_reading=frozenset(sql["reading"]),
        sql_two_word=frozenset(sql["two-word"]),
        sql_objects=frozenset(sql["objects"]),
        sql_scan=frozenset(sql["scan"]),
        query_suffixes=frozenset(v.lower() for v in lists["query-suffixes"]),
        help_options=frozenset(lists["help-options"]),
        deploy_links=frozenset(v.lower() for v in lists["deploy-links"]),
    )


def _close(word: str, known: Iterable[str]) -> str:
    import difflib

    close = difflib.get_close_matches(word, list(known), n=1)
    return close[0] if close else ""


# --- reading the YAML files ----------------------------------------------------------------------
def _load(path: Path, with_lines: bool) -> Any:
    from ruamel.yaml import YAML
    from ruamel.yaml.error import YAMLError

    from safety_lint import safeyaml
    from safety_lint.fsutil import FileProblem, read_bytes
    from safety_lint.rulepack import RULE_FILE_LIMIT

    yaml = YAML(typ="rt") if with_lines else YAML(typ="safe")
    try:
        # Read as every rule file is (issue 11): a regular file, within the size limit, not
        # through a symlink out of its folder; a team's file within the YAML limits.
        text = read_bytes(path, RULE_FILE_LIMIT, root=path.parent).decode("utf-8")
        bundled = path.parent == bundled_file(path.name).parent
        return yaml.load(text) if bundled else safeyaml.load(yaml, text)
    except safeyaml.YamlLimit as err:
        line = err.line + 1 if err.line is not None else 0
        raise CatalogueError(str(path), line, str(err)) from None
    except FileProblem as err:
        raise CatalogueError(str(path), 0, f"not read: {err}") from None
    except YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        line = mark.line + 1 if mark is not None else 0
        raise CatalogueError(
            str(path), line, f"invalid YAML: {getattr(err, 'problem', err)}"
        ) from None
    except (OSError, UnicodeDecodeError) as err:
        raise CatalogueError(str(path), 0, f"cannot read: {err}") from None


def bundled_file(name: str) -> Path:
    from safety_lint.rulepack import bundled_rules_dir

    return bundled_rules_dir() / name


def read_documents(
    key: str,
    folders: Sequence[Path],
    loader: Callable[[Sequence[Mapping[str, object]], Sequence[str]], T],
) -> T:
    """The built-in `rules/<key>.yaml`, then every `*.yaml` of `folders` that has a top-level
    `key`, through `loader`. Loaded fast; loaded again with line numbers if it fails. Kept in
    the user cache folder until a rule file or safety-lint changes (`cache.py`)."""
    from .cache import cached_object, pack_key, user_dir

    folder = Path(bundled_file(f"{key}.yaml")).parent
    return cached_object(
        user_dir() / "packs",
        f"{key}-{pack_key([folder, *folders])}",
        lambda: _read_documents(key, folders, loader),
        lambda found: type(found).__module__.startswith("safety_lint."),
    )


def _read_documents(
    key: str,
    folders: Sequence[Path],
    loader: Callable[[Sequence[Mapping[str, object]], Sequence[str]], T],
) -> T:
    paths = [bundled_file(f"{key}.yaml")]
    paths += [p for folder in folders for p in sorted(Path(folder).glob("*.yaml"))]
    for with_lines in (False, True):
        documents: list[Mapping[str, object]] = []
        sources: list[str] = []
        for path in paths:
            data = _load(path, with_lines)
            if isinstance(data, Mapping) and key in data:
                documents.append({key: data[key]})
                sources.append(str(path))
        try:
            return loader(documents, sources)
        except CatalogueError:
            if with_lines:
                raise
    raise AssertionError("unreachable")  # pragma: no cover
