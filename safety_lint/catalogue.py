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

import fnmatch
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Literal

from safety_lint import shell
from safety_lint.shell import Invocation, tool_name

Effect = Literal["mutating", "reading", "unknown-mutating", "unknown"]
EFFECT_ORDER: dict[str, int] = {"reading": 0, "unknown": 1, "unknown-mutating": 2, "mutating": 3}
DEFAULT_PRODUCTION = ("prod", "production", "prd", "live")

__all__ = [
    "DEFAULT_PRODUCTION",
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


@dataclass(frozen=True)
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


@dataclass(frozen=True)
class Condition:
    """Any of these holds (an empty condition never holds)."""

    options: tuple[str, ...] = ()
    tool: re.Pattern[str] | None = None  # the tool's name
    args: tuple[re.Pattern[str], ...] = ()
    last_arg: re.Pattern[str] | None = None
    env: tuple[str, ...] = ()
    production: bool = False  # a target that is production
    remote: bool = False  # a target that is not local

    def __bool__(self) -> bool:
        return bool(
            self.options
            or self.tool
            or self.args
            or self.last_arg
            or self.env
            or self.production
            or self.remote
        )


@dataclass(frozen=True)
class Rule:
    id: str
    pattern: tuple[str, ...]  # subcommand words, fnmatch globs; a leading "**" = any position
    effect: str  # an Effect, or "by-name": judge the next word by its verbs (`npm run X`)
    when: tuple[Condition, ...] = ()  # all of these hold (each: any of its parts)
    unless: Condition = Condition()
    scope: bool = False


@dataclass(frozen=True)
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
    calls_mutating: tuple[str, ...] = ()
    calls_reading: tuple[str, ...] = ()
    source: str = ""


@dataclass(frozen=True)
class Catalogue:
    families: tuple[Family, ...]
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
    sql_two_word: frozenset[str] = field(default_factory=frozenset)
    sql_objects: frozenset[str] = field(default_factory=frozenset)


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


# --- targets ----------------------------------------------------------------------------------
_PART = re.compile(r"[a-z]+")
_LOCAL_HOSTS = re.compile(
    r"^(localhost|127\.\d+\.\d+\.\d+|0\.0\.0\.0|::1|\[::1\]|host\.docker\.internal)$"
)


def _parts(value: str) -> list[str]:
    # `acme-prd`, `gke_x_us_prod`, `db.prod.internal`, `prod1`: letters runs are the parts.
    return _PART.findall(value.lower())


def is_production(value: str, patterns: Sequence[str] = DEFAULT_PRODUCTION) -> bool:
    """Does `value` name production? Matched as name parts: `acme-prd`, `prod-eu-1`,
    `postgres://db.prod.internal/x` yes; `product`, `produce` no."""
    wanted = {p.lower() for p in patterns}
    return any(part in wanted for part in _parts(value))


_LOCAL_PARTS = frozenset(
    [
        "localhost",
        "local",
        "dev",
        "development",
        "test",
        "testing",
        "sandbox",
        "ci",
        "kind",
        "minikube",
        "docker",
        "desktop",
        "k3d",
        "emulator",
        "emulators",
        "localstack",
        "devcontainer",
    ]
)


def is_local(value: str, local: frozenset[str] = _LOCAL_PARTS) -> bool:
    """Does `value` name a local or throwaway target (localhost, dev, test, kind, minikube...)?
    A value that also names production is not local."""
    lowered = value.lower().strip()
    host = re.sub(r"^[a-z+]+://([^@/]*@)?", "", lowered).split("/")[0].rsplit(":", 1)[0]
    if _LOCAL_HOSTS.match(host) or _LOCAL_HOSTS.match(lowered):
        return True
    if is_production(value):
        return False
    return any(part in local for part in _parts(value))


_PLACEHOLDER = re.compile(
    r"^(<|\{\{\s*|\$\{?|\[|%)\s*(env|environment|stage|target|cluster|context|namespace|"
    r"profile|project|host|server|region|tier|deploy_env|target_env)\s*(>|\s*\}\}|\}|\]|%)?$",
    re.IGNORECASE,
)
_URL = re.compile(
    r"^(postgres(ql)?|mysql|mariadb|mongodb(\+srv)?|redis|rediss|amqps?|kafka|clickhouse|"
    r"sqlserver|mssql|jdbc:[a-z]+|ssh|rsync|https?)://",
    re.IGNORECASE,
)


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
        return _generic(inv, name, args, catalogue)
    targets = _targets(args, inv.env, family, catalogue)
    if family.hosts:
        targets = tuple(dict.fromkeys([*targets, *_hosts(args)]))
    words, _ = _positionals(args, family.value_options)
    if family.statements == "remote":
        return _remote(inv, name, args, family, targets, catalogue, _depth)
    if family.statements:
        found = _statements(inv, args, family, catalogue)
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
    head = words[:2]
    # A family that says what an unlisted subcommand does (`default`) is believed; one that
    # does not know still hears the verb (`kamal frobnicate-deploy`).
    if family.default == "unknown" and any(
        _by_name(word, catalogue) == "unknown-mutating" for word in head
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
    if mutates and _present(args, family.dry_run_options | catalogue.dry_run_options):
        effect, rule_id, mutates = "reading", rule_id + ".dry-run", False
    scope = scope or (mutates and _present(args, family.scope_options))
    own = set(subcommand.lower().split())
    kept = tuple(t for t in targets if t.lower() not in own or is_production(t))
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
    )


def _generic(inv: Invocation, name: str, args: tuple[str, ...], catalogue: Catalogue) -> Action:
    targets = _targets(args, inv.env, None, catalogue)
    words, _ = _positionals(args, frozenset())
    stem = re.sub(r"\.(sh|bash|py|js|ts|rb|pl|ps1|mjs|cjs)$", "", name)
    if _by_name(stem, catalogue) == "unknown-mutating":
        return _action(inv, name, "", "unknown-mutating", None, targets, False, "generic-verb")
    if words and _by_name(words[0], catalogue) == "unknown-mutating":
        return _action(
            inv, name, words[0], "unknown-mutating", None, targets, False, "generic-verb"
        )
    return _action(
        inv, name, words[0] if words else "", "unknown", None, targets, False, "generic.unknown"
    )


def _by_name(word: str, catalogue: Catalogue) -> str:
    """`deploy-prod`, `db:migrate`, `release` -> unknown-mutating; `build`, `test:unit` ->
    reading; anything else unknown."""
    parts = _parts(word)
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


_GLOB = re.compile(r"[*?\[]")


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
        if want == word:
            continue
        if not _GLOB.search(want) or not fnmatch.fnmatchcase(word, want):
            return None
    return tuple(words[: len(pattern)])


def _present(args: Sequence[str], options: frozenset[str] | Sequence[str]) -> bool:
    return any(arg in options or arg.split("=", 1)[0] in options for arg in args)


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
    return cond.remote and any(not is_local(t, catalogue.local) for t in targets)


def _targets(
    args: Sequence[str],
    env: Sequence[tuple[str, str]],
    family: Family | None,
    catalogue: Catalogue,
) -> tuple[str, ...]:
    """Target evidence: values of target options, `key=value` words whose key names an
    environment, environment words and placeholders, database URLs, target env variables."""
    found: list[str] = []
    options = catalogue.target_options | (family.target_options if family else frozenset())
    for index, arg in enumerate(args):
        name, eq, value = arg.partition("=")
        if arg.startswith("-") and len(arg) > 1:
            if arg in catalogue.production_flags:
                found.append("production")
                continue
            if not eq:
                value = args[index + 1] if index + 1 < len(args) else ""
            if (name in options and value) or (
                name in catalogue.environment_options and _is_environment(value, catalogue)
            ):
                found.append(value)
            elif "=" in value:  # -x env=prod, --set env=prod, -var 'stage=prd'
                key, _, inner = value.partition("=")
                if inner and catalogue.target_keys.search(key.lower()):
                    found.append(inner)
        elif eq and re.match(r"^[A-Za-z_][\w.-]*$", name):  # make ENV=prod, env=prod
            if value and catalogue.target_keys.search(name.lower()):
                found.append(value)
        elif (
            (_URL.match(arg) and not arg.lower().startswith("http"))
            or _is_environment(arg, catalogue)
            or _PLACEHOLDER.match(arg)
        ):
            found.append(arg)
    for var, value in env:
        if value and catalogue.target_env.search(var):
            found.append(value)
    return tuple(dict.fromkeys(found))


_HOST_ARG = re.compile(r"^(?:[\w.-]+@)?([A-Za-z0-9][\w-]*(?:\.[\w-]+)*):(?!//)")
_URL_HOST = re.compile(r"^[a-z][a-z0-9+.-]*://(?:[^@/\s]*@)?([^/:\s?#]+)", re.IGNORECASE)


def _hosts(args: Sequence[str]) -> list[str]:
    """Hosts named by `user@host:path` and `scheme://host/...` arguments."""
    found = []
    for arg in args:
        match = _URL_HOST.match(arg) or _HOST_ARG.match(arg)
        if match and len(match.group(1)) > 1:
            found.append(match.group(1))
    return found


def _is_environment(word: str, catalogue: Catalogue) -> bool:
    lowered = word.lower()
    return lowered in catalogue.environments or (
        bool(lowered)
        and is_production(lowered, catalogue.production)
        and len(lowered) <= 40
        and not lowered.startswith(("-", ".", "/"))
    )


# --- statements (SQL, query languages, remote commands) ----------------------------------------
def _statements(
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
        if head == "WITH":  # a CTE: the statement's verb comes after the WITH clauses
            verbs = set(_SQL_WORDS.findall(statement.upper())) & catalogue.sql_mutating
            kind = sorted(verbs)[0] if verbs else "SELECT"
            head = kind
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


def _remote(
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


def explain(action: Action) -> str:
    """One line for `--explain`."""
    where = f" on {', '.join(action.targets)}" if action.targets else ""
    return f"{action.line}: {action.effect}: {action.tool} {action.subcommand}".rstrip() + (
        f"{where} [{action.rule_id}]"
    )
