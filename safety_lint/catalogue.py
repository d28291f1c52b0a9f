"""What a command does: the tool catalogue (`rules/catalogue.yaml`, data) applied to the
invocations of `safety_lint.shell`.

Each family of tools lists which subcommands mutate and which read, the global options that
take a value (so `kubectl -n x --context prod apply` finds `apply`), the options whose value
names a target, and conditions (`docker run` mutates only on a remote context). A tool that is
not in the catalogue is judged by a generic verb list: `kamal deploy`, `./release.sh` are
`unknown-mutating`. "reading" means: cannot change a live system (it reads, or changes only the
local workspace: `npm install`, `docker build`).

Light imports only (no YAML parser at import time): the runtime guard imports this before every
Bash call and may pass already-parsed documents from its own cache to `load_catalogue`.
"""

from __future__ import annotations

import re
from functools import lru_cache

from safety_lint import shell
from safety_lint.lazyre import lazy
from safety_lint.record import record
from safety_lint.shell import Invocation, tool_name
from safety_lint.targets import (
    find_targets,
    hosts,
    is_local,
    is_production,
    name_parts,
)

# No `typing` at run time: the guard imports this module before every Bash call.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Mapping, Sequence
    from pathlib import Path
    from typing import Literal

    Effect = Literal["mutating", "reading", "unknown-mutating", "unknown"]
else:
    Effect = str
EFFECT_ORDER: dict[str, int] = {"reading": 0, "unknown": 1, "unknown-mutating": 2, "mutating": 3}

__all__ = [
    "Action",
    "Catalogue",
    "CatalogueError",
    "Effect",
    "analyse",
    "analyse_script",
    "default_catalogue",
    "is_local",
    "is_production",
    "load_catalogue",
]


class CatalogueError(Exception):
    """A catalogue or lexicon document that cannot be used: source file, line, message and,
    for an unknown key, the closest known one."""

    def __init__(self, source: str, line: int, message: str, hint: str = "") -> None:
        self.source, self.line, self.message, self.hint = source, line, message, hint
        where = f"{source}:{line}" if line else source
        suffix = f"; did you mean '{hint}'?" if hint else ""
        super().__init__(f"{where}: {message}{suffix}")


@record
class Action:
    tool: str
    subcommand: str
    args: tuple[str, ...]
    effect: Effect
    family: str
    targets: tuple[str, ...]
    scope_all: bool
    line: int
    text: str
    rule_id: str
    # From the invocation: peeled wrappers (`xargs`, `watch`, `sudo`...: `xargs` fans out) and
    # whether it came from a nested string (`bash -c`, `$(...)`).
    wrappers: tuple[str, ...] = ()
    nested: bool = False
    in_loop: bool = False  # inside a shell loop: run once per item (a fan-out)


@record
class Condition:
    """Any of these holds (an empty condition never holds)."""

    options: tuple[str, ...] = ()
    global_options: tuple[str, ...] = ()  # options before the subcommand (`docker -c x run`)
    tool: re.Pattern[str] | None = None  # the tool's name
    args: tuple[re.Pattern[str], ...] = ()
    last_arg: re.Pattern[str] | None = None
    env: tuple[str, ...] = ()
    production: bool = False  # a target that is production
    remote: bool = False  # a target that is not local
    # The last word (`main`, `HEAD:main`) names a branch the file says deploys to production.
    deploying_branch: bool = False

    def __bool__(self) -> bool:
        return bool(
            self.options
            or self.global_options
            or self.tool
            or self.args
            or self.last_arg
            or self.env
            or self.production
            or self.remote
            or self.deploying_branch
        )


@record
class Rule:
    id: str
    pattern: tuple[str, ...]  # subcommand words, fnmatch globs; a leading "**" = any position
    effect: str  # an Effect, or "by-name": judge the next word by its verbs (`npm run X`)
    when: tuple[Condition, ...] = ()  # all of these hold (each: any of its parts)
    unless: Condition = Condition()
    scope: bool = False


@record
class Family:
    id: str
    tools: tuple[str, ...]
    value_options: frozenset[str]
    target_options: frozenset[str]
    scope_options: frozenset[str]
    dry_run_options: frozenset[str]
    rules: tuple[Rule, ...]
    default: str
    depth: int
    statements: str  # "", "sql", "calls", "lines", "remote"
    hosts: bool  # `user@host:path` and `scheme://host` arguments are targets
    statement_options: frozenset[str]
    statement_positional: bool
    script_options: frozenset[str]
    inner_options: frozenset[str] = frozenset()  # `--command CMD`: a command run on the target
    tool_patterns: tuple[re.Pattern[str], ...] = ()
    calls_mutating: tuple[str, ...] = ()
    calls_reading: tuple[str, ...] = ()
    source: str = ""


@record
class Catalogue:
    families: Sequence[Family]
    by_tool: Mapping[str, Family]
    generic_verbs: frozenset[str]
    read_verbs: frozenset[str]
    production: tuple[str, ...]
    local: frozenset[str]
    environments: frozenset[str]
    target_options: frozenset[str]
    environment_options: frozenset[str]
    target_keys: re.Pattern[str]
    target_env: re.Pattern[str]
    production_flags: frozenset[str]
    dry_run_options: frozenset[str]
    sql_mutating: frozenset[str]
    sql_reading: frozenset[str]
    sql_two_word: frozenset[str] = frozenset()
    sql_objects: frozenset[str] = frozenset()
    sql_scan: frozenset[str] = frozenset()
    # Families that claim tools by name pattern (`Restart-Service`), after the named tools.
    tool_patterns: Sequence[tuple[re.Pattern[str], Family]] = ()
    query_suffixes: frozenset[str] = frozenset()
    help_options: frozenset[str] = frozenset()
    # With a production name in one sentence, words that say something goes there.
    deploy_links: frozenset[str] = frozenset()
    # Per file, not from the pack: the words of the sentences in which the file says something
    # goes to production (`merge to main for production deployment`), worked out on the first
    # call, so only for a file with an action whose rule asks (findings.deploying_words).
    deploying_words: Callable[[], frozenset[str]] | None = None


def load_catalogue(
    documents: Sequence[Mapping[str, object]], sources: Sequence[str] = ()
) -> Catalogue:
    """Built-in first, then team documents: a family with a known id replaces that family
    (or, with `merge: true`, adds to its lists), a new id is added, and top-level lists add
    to the built-in ones. `sources` name the documents in error messages (file paths).
    Raises CatalogueError (source, line, message, did-you-mean)."""
    from safety_lint.catalogue_schema import build

    return build(documents, sources)


@lru_cache(maxsize=1)
def default_catalogue() -> Catalogue:
    """The built-in catalogue shipped in the wheel (`rules/catalogue.yaml`)."""
    from safety_lint.catalogue_schema import read_documents

    return read_documents("catalogue", (), load_catalogue)


def catalogue_for(folders: Sequence[Path]) -> Catalogue:
    """The built-in catalogue plus the `catalogue` documents of a team's rule folders."""
    from safety_lint.catalogue_schema import read_documents

    return read_documents("catalogue", folders, load_catalogue)


# --- analysis ---------------------------------------------------------------------------------
def analyse_script(script: str, catalogue: Catalogue, first_line: int = 1) -> list[Action]:
    """Every command of `script` as an Action, in order."""
    return [analyse(inv, catalogue) for inv in shell.split_script(script, first_line)]


def analyse(inv: Invocation, catalogue: Catalogue, _depth: int = 0) -> Action:
    """The effect of one invocation: its family's first matching rule, else the generic verbs."""
    name = tool_name(inv.argv[0]) if inv.argv else ""
    args = inv.argv[1:]
    family = catalogue.by_tool.get(name)
    if family is None and "." in name:
        family = catalogue.by_tool.get(name.rsplit(".", 1)[0])
    if family is None:
        family = next((f for p, f in catalogue.tool_patterns if p.search(name)), None)
    if family is None:
        return _generic(inv, name, args, catalogue)
    targets = find_targets(args, inv.env, family, catalogue)
    if family.hosts:
        targets = tuple(dict.fromkeys([*targets, *hosts(args)]))
    words, after = _positionals(args, family.value_options)
    if family.statements == "remote":
        from safety_lint import statements

        return statements.remote(inv, name, args, family, targets, catalogue, _depth)
    if family.statements:
        from safety_lint import statements

        found = statements.statements(inv, args, family, catalogue)
        if found is not None:
            subcommand, effect, rule_id = found
            return _action(inv, name, subcommand, effect, family, targets, False, rule_id)
    for rule in family.rules:
        matched = _match(rule.pattern, words, family.depth)
        if matched is None:
            continue
        if not all(_holds(c, name, args, inv.env, targets, catalogue) for c in rule.when):
            continue
        if rule.unless and _holds(rule.unless, name, args, inv.env, targets, catalogue):
            continue
        subcommand = " ".join(matched)
        effect = rule.effect
        rule_id = f"{family.id}.{rule.id}"
        if effect == "inner":
            from safety_lint import statements

            return statements.inner(
                inv, name, subcommand, family, targets, rule_id, after, catalogue, _depth
            )
        if effect == "by-name":
            # `make deploy` (pattern `*`): the matched word; `npm run X`: the word after.
            if matched and any(ch in rule.pattern[-1] for ch in "*?["):
                effect = _by_name(matched[-1], catalogue)
            else:
                rest = words[len(matched) :]
                effect = _by_name(rest[0] if rest else "", catalogue)
                subcommand = " ".join([*matched, *rest[:1]])
        return _decided(
            inv, name, subcommand, effect, family, targets, rule.scope, rule_id, catalogue
        )
    head = [w for w in words[:2] if _PLAIN.match(w)]
    # A family that says what an unlisted subcommand does (`default`) is believed; one that
    # does not know still hears the verb (`kamal frobnicate-deploy`, a `deploy-prod` script
    # a name pattern claimed).
    if family.default == "unknown" and any(
        _by_name(word, catalogue) == "unknown-mutating" for word in [name, *head]
    ):
        return _decided(
            inv,
            name,
            " ".join(head),
            "unknown-mutating",
            family,
            targets,
            False,
            f"{family.id}.generic-verb",
            catalogue,
        )
    return _decided(
        inv,
        name,
        " ".join(words[:1]),
        family.default,
        family,
        targets,
        False,
        f"{family.id}.default",
        catalogue,
    )


def _decided(
    inv: Invocation,
    tool: str,
    subcommand: str,
    effect: str,
    family: Family,
    targets: tuple[str, ...],
    scope: bool,
    rule_id: str,
    catalogue: Catalogue,
) -> Action:
    """The family's dry-run and fan-out flags applied; the subcommand's own words (`dbt
    test`, `cap production deploy`... `test` is no target) taken out of the targets."""
    args = inv.argv[1:]
    mutates = effect in ("mutating", "unknown-mutating")
    if mutates and _present(args, catalogue.help_options):
        effect, rule_id, mutates = "reading", rule_id + ".help", False
    if mutates and _present(args, family.dry_run_options | catalogue.dry_run_options):
        effect, rule_id, mutates = "reading", rule_id + ".dry-run", False
    scope = scope or (mutates and _present(args, family.scope_options))
    own = set(subcommand.lower().split())
    kept = tuple(
        t for t in targets if t.lower() not in own or is_production(t, catalogue.production)
    )
    return _action(inv, tool, subcommand, effect, family, kept, scope, rule_id)


def _action(
    inv: Invocation,
    tool: str,
    subcommand: str,
    effect: str,
    family: Family | None,
    targets: tuple[str, ...],
    scope: bool,
    rule_id: str,
) -> Action:
    return Action(
        tool=tool,
        subcommand=subcommand,
        args=inv.argv[1:],
        effect=effect,  # type: ignore[arg-type]  # validated against Effect when loaded
        family=family.id if family else "generic",
        targets=targets,
        scope_all=scope,
        line=inv.line,
        text=inv.text,
        rule_id=rule_id,
        wrappers=inv.wrappers,
        nested=inv.nested,
        in_loop=inv.in_loop,
    )


def _generic(inv: Invocation, name: str, args: tuple[str, ...], catalogue: Catalogue) -> Action:
    targets = find_targets(args, inv.env, None, catalogue)
    words, _ = _positionals(args, frozenset())
    stem = _SCRIPT_SUFFIX.sub("", name) if "." in name else name
    first = inv.argv[0][:1]
    if "A" <= first <= "Z" and _VARIABLE.fullmatch(inv.argv[0]):  # `SYNC_SUFFIX + 1`
        return _action(inv, name, "", "unknown", None, targets, False, "generic.unknown")
    if _present(args, catalogue.help_options):
        return _action(inv, name, "", "reading", None, targets, False, "generic.help")
    if _by_name(stem, catalogue) == "unknown-mutating":
        return _action(inv, name, "", "unknown-mutating", None, targets, False, "generic-verb")
    # `opsctl --region eu deploy`: an unknown option's value may come first. Only plain words
    # count: `input.wav`, `a=b,release=50`, a quoted sentence are values, not verbs.
    verb = next(
        (w for w in words[:2] if _PLAIN.match(w) and _by_name(w, catalogue) == "unknown-mutating"),
        None,
    )
    if verb is not None:
        return _action(inv, name, verb, "unknown-mutating", None, targets, False, "generic-verb")
    return _action(
        inv, name, words[0] if words else "", "unknown", None, targets, False, "generic.unknown"
    )


_PLAIN = lazy(r"^[a-z][a-z0-9_:-]*$")
_SCRIPT_SUFFIX = lazy(r"\.(sh|bash|py|js|ts|rb|pl|ps1|mjs|cjs)$")
_VARIABLE = lazy(r"[A-Z][A-Z0-9_]*")


def _by_name(word: str, catalogue: Catalogue) -> str:
    """`deploy-prod`, `db:migrate`, `release` -> unknown-mutating; `build`, `test:unit` ->
    reading; anything else unknown."""
    parts = name_parts(word)
    if len(parts) > 1 and parts[-1] in catalogue.query_suffixes:
        return "unknown"  # `sync-status`, `release-plan`, `deploy-logs` ask about the verb
    if any(part in catalogue.generic_verbs for part in parts):
        return "unknown-mutating"
    if parts and all(part in catalogue.read_verbs for part in parts[:1]):
        return "reading"
    return "unknown"


def _positionals(args: Sequence[str], value_options: frozenset[str]) -> tuple[list[str], list[str]]:
    """The words that are not options or option values (lower-case), and the words after `--`."""
    words: list[str] = []
    skip = False
    for index, arg in enumerate(args):
        if skip:
            skip = False
            continue
        if arg == "--":
            return words, list(args[index + 1 :])
        if arg.startswith("-") and len(arg) > 1:
            if "=" not in arg and arg in value_options:
                skip = True
            continue
        words.append(arg.lower())
    return words, []


def _match(pattern: tuple[str, ...], words: list[str], depth: int) -> tuple[str, ...] | None:
    """The words a rule's subcommand pattern matches, or None."""
    if pattern and pattern[0] == "**":
        rest = pattern[1:]
        for start in range(min(depth, len(words))):
            found = _match(rest, words[start:], len(rest))
            if found is not None:
                return found
        return None
    if len(words) < len(pattern):
        return None
    for want, word in zip(pattern, words[: len(pattern)], strict=True):
        if want == word or want == "*":
            continue
        if not ("*" in want or "?" in want or "[" in want) or not _fnmatch(word, want):
            return None
    return tuple(words[: len(pattern)])


def _fnmatch(word: str, pattern: str) -> bool:
    prefix = pattern[:-1]
    if pattern.endswith("*") and not any(c in prefix for c in "*?["):
        return word.startswith(prefix)  # `deploy*`, most globs: no module, no pattern compiled
    import fnmatch  # here: one module fewer for the runtime guard to load before a Bash call

    return fnmatch.fnmatchcase(word, pattern)


def _present(args: Sequence[str], options: frozenset[str] | Sequence[str]) -> bool:
    return any(arg in options or arg.split("=", 1)[0] in options for arg in args)


def _before_subcommand(args: Sequence[str], value_options: Sequence[str]) -> Sequence[str]:
    """The arguments before the first positional word (`--context prod` of `docker --context
    prod run ... sh -c x`), an option's value not counting as that word."""
    skip = False
    for index, arg in enumerate(args):
        if skip:
            skip = False
        elif arg.startswith("-"):
            skip = "=" not in arg and arg in value_options
        else:
            return args[:index]
    return args


def _holds(
    cond: Condition,
    tool: str,
    args: Sequence[str],
    env: Sequence[tuple[str, str]],
    targets: Sequence[str],
    catalogue: Catalogue,
) -> bool:
    if cond.options and _present(args, cond.options):
        return True
    if cond.tool is not None and cond.tool.search(tool):
        return True
    if cond.global_options and _present(
        _before_subcommand(args, cond.global_options), cond.global_options
    ):
        return True
    # Arguments are cut short: a user's pattern runs over bounded text.
    if cond.args and any(p.search(a[:500]) for p in cond.args for a in args):
        return True
    if cond.last_arg is not None:
        words = [a for a in args if not a.startswith("-")]
        if words and cond.last_arg.search(words[-1][:500]):
            return True
    if cond.env and any(name in cond.env for name, _ in env):
        return True
    if cond.production and any(is_production(t, catalogue.production) for t in targets):
        return True
    if cond.deploying_branch and catalogue.deploying_words is not None:
        words = [a for a in args if not a.startswith("-")]
        if words and words[-1].rsplit(":", 1)[-1].lower() in catalogue.deploying_words():
            return True
    return cond.remote and any(not is_local(t, catalogue) for t in targets)


def explain(action: Action) -> str:
    """One line for `--explain`."""
    where = f" on {', '.join(action.targets)}" if action.targets else ""
    return f"{action.line}: {action.effect}: {action.tool} {action.subcommand}".rstrip() + (
        f"{where} [{action.rule_id}]"
    )


def main(argv: Sequence[str] | None = None) -> int:
    """`python -m safety_lint.catalogue [--rules DIR] 'COMMAND'...`: what the catalogue makes
    of a command, one line per simple command, for a team checking its own entries."""
    import argparse
    import sys
    from pathlib import Path

    parser = argparse.ArgumentParser(prog="python -m safety_lint.catalogue")
    parser.add_argument("commands", nargs="+", help="shell commands (quote each one)")
    parser.add_argument("--rules", action="append", default=[], help="a team's rule folder")
    options = parser.parse_args(argv)
    try:
        catalogue = catalogue_for([Path(p) for p in options.rules])
    except CatalogueError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    for command in options.commands:
        for action in analyse_script(command, catalogue):
            print(explain(action))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
