"""PreToolUse: does this call change production, and did the user confirm it?

The command is analysed by the classifier's action layer (`shell` + `catalogue`): every simple
command, with wrappers, `bash -c` strings, `$(...)`, chains and env prefixes peeled off, gets
an effect and its target evidence. A call that may mutate (anything but `reading`) and names a
production target needs the protocol; so does one whose target is built at run time
(`--context "$CTX"`): the guard cannot see it, and says so."""

from __future__ import annotations

import os

from ..record import record
from .run import Options, decision

# The transcript, protocol and target modules are imported only when a call needs the
# protocol: most analysed calls do not, and each import costs time before every Bash call.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Mapping, Sequence

    from ..catalogue import Catalogue
    from .targets import Key

# Keys of an MCP tool's input whose value names where the call goes.
_MCP_KEYS = """context cluster environment env namespace project profile host hostname url uri
database db dsn connection target stage account workspace app server instance"""
MCP_TARGET_KEYS = frozenset(_MCP_KEYS.split())
_HIDDEN = ("$", "`")


@record
class Finding:
    text: str  # the simple command (or the MCP tool)
    what: str  # "kubectl apply", "generic-verb deploy"
    targets: tuple[str, ...]  # production targets as written
    hidden: bool  # a target the guard cannot read
    scope_all: bool


_CATALOGUES: dict[tuple[tuple[str, ...], tuple[str, ...] | None], Catalogue] = {}


def catalogue(folders: tuple[str, ...] = (), patterns: tuple[str, ...] | None = None) -> Catalogue:
    """The built-in catalogue plus the team's (rule folders), from the cache (building it
    from the YAML costs more than the whole decision); with `patterns`, those are the names of
    production (targets such as `-f overlays/<pattern>/` are found by them too)."""
    found = _CATALOGUES.get((folders, patterns))
    if found is None:
        base = _CATALOGUES.get((folders, None))
        if base is None:
            base = _CATALOGUES[(folders, None)] = _load(folders)
        found = base
        if patterns is not None and patterns != base.production:
            from ..record import replace

            found = replace(base, production=patterns)
        _CATALOGUES[(folders, patterns)] = found
    return found


def _load(folders: tuple[str, ...]) -> Catalogue:
    from .. import catalogue as module
    from .cache import bundled_rules, load_yaml
    from .cache import catalogue as cached

    builtin = os.path.join(bundled_rules(), "catalogue.yaml")
    team = sorted(
        os.path.join(folder, name)
        for folder in folders
        for name in os.listdir(folder)
        if name.endswith(".yaml")
    )

    def build() -> Catalogue:
        if team:
            from pathlib import Path

            return module.catalogue_for([Path(f) for f in folders])
        data = load_yaml(builtin)
        return module.load_catalogue([{"catalogue": data["catalogue"]}], [builtin])

    here = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    code = [os.path.join(here, name) for name in _CODE]
    return cached([builtin, *team], code, build)


# The code that builds the catalogue and reads its cached form: a change to it is a new entry.
_CODE = ("catalogue.py", "catalogue_schema.py", "record.py", "lazyre.py", "guard/cache.py")


def bash_findings(command: str, opts: Options, session_id: str | None = None) -> list[Finding]:
    """The calls of `command` that may mutate production. With a session, targets set by
    earlier calls (`kubectl config use-context prod`) count, and what this one sets is kept."""
    from ..catalogue import analyse_script, is_production
    from . import state

    patterns = opts.production()
    cat = catalogue(opts.rules, patterns)
    before = state.load(session_id) if session_id else {}
    resolved, after = state.resolve(analyse_script(command, cat), cat, before)
    if session_id and after != before:
        state.save(session_id, after, lambda t: is_production(t, patterns))
    out: list[Finding] = []
    for item in resolved:
        action = item.action
        if action.effect == "reading":
            continue
        prod = tuple(t for t in item.targets if is_production(t, patterns))
        hidden = any(mark in t for t in item.targets for mark in _HIDDEN)
        if prod or hidden:
            what = " ".join(w for w in (action.tool, action.subcommand) if w)
            if item.inherited:
                what += f" (target set by `{item.inherited}`)"
            out.append(Finding(action.text, what, prod, hidden and not prod, action.scope_all))
    return out


def _strings(value: object, under: str = "") -> list[tuple[str, str]]:
    if isinstance(value, str):
        return [(under, value)]
    if isinstance(value, dict):  # JSON: objects are dicts
        return [kv for k, v in value.items() for kv in _strings(v, str(k).lower())]
    if isinstance(value, list):
        return [kv for v in value for kv in _strings(v, under)]
    return []


def mcp_findings(
    tool: str, tool_input: Mapping[str, object], patterns: Sequence[str]
) -> list[Finding]:
    """A configured MCP tool is taken to change things; its target is in its input."""
    from ..catalogue import is_production

    prod = tuple(
        v for k, v in _strings(tool_input) if k in MCP_TARGET_KEYS and is_production(v, patterns)
    )
    return [Finding(tool, tool, prod, False, False)] if prod else []


def command_targets(opts: Options) -> Callable[[str], set[Key]]:
    """The environments a command the assistant ran was aimed at (for target changes)."""
    from ..catalogue import analyse_script
    from .targets import is_environment, key

    def targets(command: str) -> set[Key]:
        try:
            actions = analyse_script(command, catalogue(opts.rules, opts.production()))
        except Exception:
            return set()
        keys = {key(t, opts.production()) for a in actions for t in a.targets}
        return {k for k in keys if is_environment(k)}

    return targets


def _describe(findings: Sequence[Finding]) -> tuple[str, str]:
    first = findings[0]
    shown = first.text if len(first.text) <= 160 else first.text[:157] + "..."
    targets = sorted({t for f in findings for t in f.targets})
    where = ", ".join(targets) if targets else "a target built at run time, not visible here"
    return shown, where


def pre_tool_use(payload: Mapping[str, object], opts: Options) -> dict[str, object] | None:
    tool = str(payload["tool_name"])
    tool_input = payload["tool_input"]
    assert isinstance(tool_input, dict)
    if tool == "Bash":
        findings = bash_findings(str(tool_input["command"]), opts, str(payload["session_id"]))
    else:
        findings = mcp_findings(tool, tool_input, opts.production())
    if not findings:
        return None
    from . import protocol
    from .targets import key, same
    from .transcript import read_turns

    wanted = {key(t, opts.production()) for f in findings for t in f.targets}
    # A batch: the tool's own fan-out flag, or production targets that are not one target.
    batch = any(f.scope_all for f in findings) or any(
        not same(a, b) for a in wanted for b in wanted
    )
    shown, where = _describe(findings)
    found = None
    notes: list[str] = []
    if any(f.hidden for f in findings):
        notes.append("the target is not visible in the command, so no earlier answer can cover it")
    else:
        path = payload.get("transcript_path")
        try:
            turns = read_turns(str(path), str(payload["session_id"])) if path else []
        except OSError as err:
            turns, notes = [], [f"the transcript cannot be read ({err.strerror or err})"]
        if turns:
            from .confirm import find

            found, more = find(turns, wanted, batch, opts.production(), command_targets(opts))
            notes += more
    what = ", ".join(sorted({f.what for f in findings}))
    if found is not None:
        reason = f"Rule #0 confirmation found for `{shown}` (production: {where}): {found.where()}."
        out = decision(dict(payload), opts, "allow", reason)
    else:
        kind = "batch protocol (four questions)" if batch else "confirmation protocol"
        reason = (
            f"Rule #0: `{shown}` changes production ({what}; target: {where}). Before it runs,"
            f" put the {kind} to the user and wait for their answers:"
            f" {protocol.numbered(batch)}."
            " No such confirmation by the user was found in this session since the target was"
            " last set" + (f" ({'; '.join(notes[-3:])})." if notes else ".")
        )
        out = decision(dict(payload), opts, "ask", reason)
    if opts.audit_log:
        from .audit import record

        hook = out["hookSpecificOutput"]
        assert isinstance(hook, dict)
        record(
            opts.audit_log,
            payload,
            {
                "command": shown,
                "target": sorted({t for f in findings for t in f.targets}),
                "decision": hook["permissionDecision"],
                "confirmation": found.where() if found else None,
            },
        )
    return out
