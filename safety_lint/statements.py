"""Commands whose meaning is in what they are given: SQL and query languages (`psql -c`,
`mongosh --eval`, `redis-cli` lines), and commands run on a target (`ssh host CMD`,
`kubectl exec pod -- CMD`). Light imports only."""

from __future__ import annotations

import fnmatch
import re
import shlex

from safety_lint import shell
from safety_lint.catalogue import (
    EFFECT_ORDER,
    Action,
    Catalogue,
    Family,
    _action,
    _decided,
    _match,
    _positionals,
    analyse,
)
from safety_lint.shell import Invocation


def statements(
    inv: Invocation, args: tuple[str, ...], family: Family, catalogue: Catalogue
) -> tuple[str, str, str] | None:
    """(subcommand, effect, rule id) from the statement a client is given, or None."""
    texts: list[str] = []
    for index, arg in enumerate(args):
        name, eq, value = arg.partition("=")
        if arg.startswith("-") and name in family.statement_options:
            texts.append(value if eq else (args[index + 1] if index + 1 < len(args) else ""))
        elif arg.startswith("-") and name in family.script_options:
            return ("script", "unknown-mutating", f"{family.id}.script")
    if family.statement_positional:
        words, _ = _positionals(args, family.value_options)
        originals = [a for a in args if a.lower() in words]
        texts.extend(a for a in originals if " " in a.strip() or a.endswith(";"))
    if inv.heredoc:
        texts.append(inv.heredoc)
    if not texts:
        return None
    worst: tuple[str, str, str] | None = None
    for text in texts:
        if family.statements == "sql":
            results = _sql(text, family, catalogue)
        elif family.statements == "calls":
            results = _calls(text, family)
        else:
            results = _lines(text, family, catalogue)
        for result in results:
            if worst is None or EFFECT_ORDER[result[1]] > EFFECT_ORDER[worst[1]]:
                worst = result
    return worst


_SQL_STRING = re.compile(r"'(?:[^']|'')*'|\"[^\"]*\"|--[^\n]*|/\*.*?\*/", re.S)
_SQL_WORDS = re.compile(r"\\?[A-Za-z_]+")


def _sql(text: str, family: Family, catalogue: Catalogue) -> list[tuple[str, str, str]]:
    out: list[tuple[str, str, str]] = []
    bare = _SQL_STRING.sub(" ", text[:20_000])
    for statement in bare.split(";"):
        words = [w.upper() for w in _SQL_WORDS.findall(statement)[:4]]
        if not words:
            continue
        head = words[0]
        if head in catalogue.sql_scan:  # `WITH ... DELETE`, `MATCH (n) DETACH DELETE n`
            verb = next(
                (
                    w
                    for w in map(str.upper, _SQL_WORDS.findall(statement))
                    if w in catalogue.sql_mutating
                ),
                None,
            )
            if verb is not None:
                head = verb
                words = [verb]
        two = head
        if head in catalogue.sql_two_word and len(words) > 1:
            second = words[2] if words[1] == "MATERIALIZED" and len(words) > 2 else words[1]
            if second in catalogue.sql_objects:
                two = f"{head} {second}"
        if head in catalogue.sql_mutating:
            out.append((two, "mutating", f"{family.id}.sql.{head.lower()}"))
        elif head in catalogue.sql_reading or head.lower() in catalogue.sql_reading:
            out.append((two, "reading", f"{family.id}.sql.{head.lower()}"))
        else:
            out.append((two, "unknown", f"{family.id}.sql.unknown"))
    return out


def _calls(text: str, family: Family) -> list[tuple[str, str, str]]:
    out: list[tuple[str, str, str]] = []
    for call in re.findall(r"\.\s*([A-Za-z_]\w*)\s*\(", text[:20_000]):
        if any(fnmatch.fnmatchcase(call, p) for p in family.calls_mutating):
            out.append((call, "mutating", f"{family.id}.call.{call}"))
        elif any(fnmatch.fnmatchcase(call, p) for p in family.calls_reading):
            out.append((call, "reading", f"{family.id}.call.{call}"))
    return out


def _lines(text: str, family: Family, catalogue: Catalogue) -> list[tuple[str, str, str]]:
    """A client fed commands one per line (redis-cli, a `<<<` string)."""
    out: list[tuple[str, str, str]] = []
    for line in text.splitlines()[:500]:
        words = [w.lower() for w in line.split()]
        for rule in family.rules:
            matched = _match(rule.pattern, words, family.depth)
            if matched and rule.effect != "by-name" and not rule.when:
                out.append((" ".join(matched), rule.effect, f"{family.id}.{rule.id}"))
                break
    return out


def remote(
    inv: Invocation,
    name: str,
    args: tuple[str, ...],
    family: Family,
    targets: tuple[str, ...],
    catalogue: Catalogue,
    depth: int,
) -> Action:
    """`ssh host 'cmd'`: the remote command decides; the host is a target."""
    words: list[str] = []
    skip = False
    host = ""
    for index, arg in enumerate(args):
        if skip:
            skip = False
            continue
        if not host:
            if arg.startswith("-") and len(arg) > 1:
                skip = "=" not in arg and arg in family.value_options
                continue
            host = arg
            continue
        words = list(args[index:])
        break
    remote_host = host.rsplit("@", 1)[-1]
    all_targets = tuple(dict.fromkeys([remote_host, *targets] if remote_host else targets))
    script = " ".join(words)
    if inv.heredoc:
        script = f"{script}\n{inv.heredoc}" if script else inv.heredoc
    if not script.strip() or depth >= shell.MAX_DEPTH:
        return _action(
            inv, name, "", family.default, family, all_targets, False, f"{family.id}.session"
        )
    inner = [analyse(i, catalogue, depth + 1) for i in shell.split_script(script, inv.line)]
    if not inner:
        return _action(
            inv, name, "", family.default, family, all_targets, False, f"{family.id}.session"
        )
    worst = max(inner, key=lambda a: EFFECT_ORDER[a.effect])
    targets_all = tuple(dict.fromkeys([*all_targets, *(t for a in inner for t in a.targets)]))
    return _action(
        inv,
        name,
        f"{worst.tool} {worst.subcommand}".strip(),
        worst.effect,
        family,
        targets_all,
        any(a.scope_all for a in inner),
        f"{family.id}>{worst.rule_id}",
    )


def inner(
    inv: Invocation,
    name: str,
    subcommand: str,
    family: Family,
    targets: tuple[str, ...],
    rule_id: str,
    after: list[str],
    catalogue: Catalogue,
    depth: int,
) -> Action:
    """`kubectl exec pod -- CMD`, `gcloud compute ssh vm --command CMD`, `heroku run CMD`:
    CMD runs on the target and decides; a command that cannot be read is unknown-mutating."""
    args = inv.argv[1:]
    command = shlex.join(after)  # after `--`: an argv, run without a shell
    if not command:
        for index, arg in enumerate(args):
            option, eq, value = arg.partition("=")
            if option in family.inner_options:
                command = value if eq else (args[index + 1] if index + 1 < len(args) else "")
                break
    if not command:
        rest = list(args)
        for word in subcommand.split():  # what follows the subcommand, options left out
            lowered = [a.lower() for a in rest]
            rest = rest[lowered.index(word) + 1 :] if word in lowered else rest
        skip = False
        kept = []
        for arg in rest:
            if skip:
                skip = False
            elif arg.startswith("-"):
                skip = "=" not in arg and arg in family.value_options
            else:
                kept.append(arg)
        command = " ".join(kept)
    inner = (
        [analyse(i, catalogue, depth + 1) for i in shell.split_script(command, inv.line)]
        if command and depth < shell.MAX_DEPTH
        else []
    )
    known = [a for a in inner if a.effect != "unknown"]
    if not known:
        return _decided(
            inv, name, subcommand, "unknown-mutating", family, targets, False, rule_id, catalogue
        )
    worst = max(known, key=lambda a: EFFECT_ORDER[a.effect])
    all_targets = tuple(dict.fromkeys([*targets, *(t for a in inner for t in a.targets)]))
    return _decided(
        inv,
        name,
        f"{subcommand} {worst.tool} {worst.subcommand}".strip(),
        worst.effect,
        family,
        all_targets,
        worst.scope_all,
        f"{rule_id}>{worst.rule_id}",
        catalogue,
    )
