"""The hook's fast path: read the payload, validate it, and decide without importing the action
layer when the command cannot name a production target.

Only `json`, `os` and `sys` are imported here (no typing, pathlib or dataclasses: each costs
milliseconds, and this runs before every Bash call). Exit codes follow Claude Code's hook
protocol: 0 with or without a JSON decision on stdout, 2 for malformed input (blocks, stderr is
the reason)."""

from __future__ import annotations

import json
import os
import sys

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Sequence

# Permission modes in which Claude Code never shows a prompt: an `ask` would not reach a person.
NO_PROMPT_MODES = ("bypassPermissions", "dontAsk")
MAX_INPUT = 16 * 1024 * 1024
# Characters through which a shell can build a word the text does not show literally.
_INDIRECTION = ("$", "`", "{", "<(")
USAGE = (
    "usage: safety-lint guard [--production-pattern P]... [--no-default-production-patterns]"
    " [--mcp-tool NAME]... [--audit-log FILE] [--rules DIR]... [--non-interactive]\n"
    "       safety-lint guard install [--user | --settings FILE] [--check] [--command CMD]"
    " [hook options]\n"
    "       safety-lint guard uninstall [--user | --settings FILE]\n"
    "Reads one Claude Code hook payload (PreToolUse or UserPromptSubmit) on stdin."
)


class Malformed(Exception):
    """The hook input is not what Claude Code sends: exit 2, one line."""


class Options:
    """The guard's settings. From the hook command line (written there by `guard install`);
    `settings.resolve` adds the rule pack's and the configuration's and sets `patterns`."""

    __slots__ = (
        "added_patterns",
        "audit_log",
        "default_patterns",
        "mcp_tools",
        "non_interactive",
        "patterns",
        "rules",
    )

    def __init__(self) -> None:
        self.added_patterns: tuple[str, ...] = ()  # --production-pattern: added to the pack's
        self.default_patterns = True  # False: --no-default-production-patterns
        self.patterns: tuple[str, ...] | None = None  # in force; None until resolved
        self.mcp_tools: tuple[str, ...] = ()
        self.rules: tuple[str, ...] = ()  # team rule folders with catalogue additions
        self.audit_log: str | None = None
        self.non_interactive = False

    def copy(self) -> Options:
        out = Options()
        for name in self.__slots__:
            setattr(out, name, getattr(self, name))
        return out

    def production(self) -> tuple[str, ...]:
        """The production patterns in force (an error when they were never resolved: nothing
        may be judged against no patterns)."""
        if self.patterns is None:
            raise RuntimeError("the production patterns are not known")
        return self.patterns

    def argv(self) -> list[str]:
        """These options as hook arguments (what `install` writes)."""
        out: list[str] = []
        for p in self.added_patterns:
            out += ["--production-pattern", p]
        if not self.default_patterns:
            out.append("--no-default-production-patterns")
        for m in self.mcp_tools:
            out += ["--mcp-tool", m]
        for r in self.rules:
            out += ["--rules", r]
        if self.audit_log:
            out += ["--audit-log", self.audit_log]
        if self.non_interactive:
            out.append("--non-interactive")
        return out


def parse_options(args: Sequence[str]) -> tuple[Options, list[str]]:
    """Hook options; the words that are not options are returned (install's own flags)."""
    opts = Options()
    patterns: list[str] = []
    tools: list[str] = []
    rules: list[str] = []
    rest: list[str] = []
    i = 0
    while i < len(args):
        arg = args[i]
        name, eq, inline = arg.partition("=")
        if name in ("--production-pattern", "--mcp-tool", "--audit-log", "--rules"):
            if eq:
                value = inline
            elif i + 1 < len(args):
                i += 1
                value = args[i]
            else:
                raise Malformed(f"{name} needs a value")
            if not value.strip():
                raise Malformed(f"{name} needs a non-empty value")
            if name == "--production-pattern":
                word = value.strip().lower()
                if not word.isascii() or not word.isalpha():
                    # Targets are compared by name parts, which are runs of letters.
                    raise Malformed(f"--production-pattern {value}: a name part is letters only")
                patterns.append(word)
            elif name == "--mcp-tool":
                tools.append(value.strip())
            elif name == "--rules":
                if not os.path.isdir(value):
                    raise Malformed(f"--rules {value}: not a folder")
                rules.append(value)
            else:
                opts.audit_log = value
        elif arg == "--non-interactive":
            opts.non_interactive = True
        elif arg == "--no-default-production-patterns":
            opts.default_patterns = False
        else:
            rest.append(arg)
        i += 1
    opts.added_patterns = tuple(dict.fromkeys(patterns))
    opts.mcp_tools = tuple(dict.fromkeys(tools))
    opts.rules = tuple(dict.fromkeys(rules))
    return opts, rest


def _string(payload: dict[str, object], key: str, required: bool) -> str | None:
    value = payload.get(key)
    if value is None and not required:
        return None
    if not isinstance(value, str):
        what = "missing" if value is None else f"not a string ({type(value).__name__})"
        raise Malformed(f"'{key}' is {what}")
    return value


def read_payload(data: bytes) -> dict[str, object]:
    """The payload as a dict whose fields the guard reads are checked for type."""
    if len(data) > MAX_INPUT:
        raise Malformed(f"input is larger than {MAX_INPUT // (1024 * 1024)} MiB")
    if not data.strip():
        raise Malformed("no input on stdin (expected one JSON object)")
    try:
        payload = json.loads(data.decode("utf-8"))
    except UnicodeDecodeError as err:
        raise Malformed(f"input is not UTF-8 (byte {err.start})") from None
    except ValueError as err:
        raise Malformed(f"input is not JSON: {err}") from None
    if not isinstance(payload, dict):
        raise Malformed(f"input is a JSON {type(payload).__name__}, not an object")
    event = _string(payload, "hook_event_name", True)
    _string(payload, "session_id", True)
    for key in ("transcript_path", "cwd", "permission_mode"):
        _string(payload, key, False)
    if event == "PreToolUse":
        _string(payload, "tool_name", True)
        if not isinstance(payload.get("tool_input"), dict):
            raise Malformed("'tool_input' is missing or not an object")
    elif event == "UserPromptSubmit":
        _string(payload, "prompt", True)
    return payload


def cache_dir() -> str:
    explicit = os.environ.get("SAFETY_LINT_CACHE_DIR")
    if explicit:
        return explicit
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "safety-lint")


def session_file(session_id: str) -> str | None:
    """Where the guard keeps what a session set (state.py); None for an odd session id."""
    bare = session_id.replace("-", "").replace("_", "")
    if not bare or len(session_id) > 128 or not (bare.isascii() and bare.isalnum()):
        return None
    return os.path.join(cache_dir(), "sessions", session_id + ".json")


def session_has_state(payload: dict[str, object]) -> bool:
    path = session_file(str(payload.get("session_id", "")))
    return path is not None and os.path.exists(path)


def may_name_production(text: str, patterns: Sequence[str] | None) -> bool:
    """False only when no shell word of `text` can hold a production name: none of the patterns
    appears once quotes and backslashes are removed, and nothing is built by expansion. True
    for any text while the patterns are not known."""
    if patterns is None or any(mark in text for mark in _INDIRECTION):
        return True
    flat = text.lower().replace("'", "").replace('"', "").replace("\\", "")
    return any(p in flat for p in patterns)


def mcp_selected(tool: str, patterns: Sequence[str]) -> bool:
    if not patterns or not tool.startswith("mcp__"):
        return False
    from fnmatch import fnmatchcase

    return any(fnmatchcase(tool, p) for p in patterns)


def nobody_can_answer(payload: dict[str, object], opts: Options) -> str | None:
    """Why no person can answer a prompt in this run, or None. `CLAUDE_CODE_ENTRYPOINT`
    (`sdk-cli` for `claude -p`, `sdk-ts`/`sdk-py` for the Agent SDK) is undocumented; `CI`
    makes Claude Code non-interactive."""
    mode = payload.get("permission_mode")
    if mode in NO_PROMPT_MODES:
        return f"permission_mode is {mode}"
    if opts.non_interactive:
        return "the guard is set non-interactive (--non-interactive, guard.non-interactive)"
    if os.environ.get("CLAUDE_CODE_ENTRYPOINT", "").startswith("sdk"):
        return "Claude Code runs non-interactively (CLAUDE_CODE_ENTRYPOINT=sdk...)"
    if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
        return "Claude Code runs in CI (CI is set)"
    return None


def decision(
    payload: dict[str, object], opts: Options, kind: str, reason: str
) -> dict[str, object]:
    """PreToolUse output; `ask` becomes `deny` where nobody can answer."""
    nobody = nobody_can_answer(payload, opts) if kind == "ask" else None
    if nobody:
        kind = "deny"
        reason += (
            f" Nobody can answer a permission prompt here ({nobody}), so the call is denied:"
            " put the questions to the user in the conversation and wait for the answers."
        )
    return {
        "hookSpecificOutput": {
            "hookEventName": "PreToolUse",
            "permissionDecision": kind,
            "permissionDecisionReason": reason,
        }
    }


def internal_error(
    payload: dict[str, object], opts: Options, err: BaseException
) -> dict[str, object]:
    reason = (
        f"safety-lint guard could not analyse this call ({type(err).__name__}: {err}); it may"
        " change production, so it needs a person's approval (Rule #0)."
    )
    out = decision(payload, opts, "ask", reason)
    if opts.audit_log:
        from .audit import record

        hook = out["hookSpecificOutput"]
        assert isinstance(hook, dict)
        tool_input = payload.get("tool_input")
        command = tool_input.get("command") if isinstance(tool_input, dict) else None
        entry = {"command": command, "target": [], "decision": hook["permissionDecision"]}
        record(opts.audit_log, payload, {**entry, "confirmation": None, "error": reason})
    return out


def _resolved(opts: Options, payload: dict[str, object]) -> Options:
    """The settings in force (settings.py). Should reading them fail, every call is analysed
    and judged as an internal error: `ask`, never a silent allow."""
    try:
        from .settings import resolve

        return resolve(opts, payload)
    except Malformed:
        raise
    except Exception as err:
        sys.stderr.write(f"safety-lint guard: cannot read the settings: {err}\n")
        return opts  # patterns None: may_name_production says yes, the analysis says ask


def _emit(output: dict[str, object] | None) -> int:
    if output is not None:
        sys.stdout.write(json.dumps(output, ensure_ascii=False) + "\n")
    return 0


def hook(opts: Options, data: bytes) -> int:
    try:
        payload = read_payload(data)
    except Malformed as err:
        sys.stderr.write(f"safety-lint guard: malformed hook input: {err}\n")
        return 2
    event = payload["hook_event_name"]
    if event == "PreToolUse":
        tool = str(payload["tool_name"])
        if tool != "Bash" and not tool.startswith("mcp__"):
            return 0  # Read, Edit, Grep...: nothing the guard judges
    elif event != "UserPromptSubmit":
        return 0  # an event the guard does not handle: no decision
    try:
        opts = _resolved(opts, payload)
    except Malformed as err:
        sys.stderr.write(f"safety-lint guard: {err}\n")
        return 2
    if event == "PreToolUse":
        tool_input = payload["tool_input"]
        assert isinstance(tool_input, dict)
        if tool == "Bash":
            command = tool_input.get("command")
            if not isinstance(command, str):
                sys.stderr.write(
                    "safety-lint guard: malformed hook input: 'tool_input.command' is missing "
                    "or not a string\n"
                )
                return 2
            if not may_name_production(command, opts.patterns) and not session_has_state(payload):
                return 0
        elif mcp_selected(tool, opts.mcp_tools):
            if not may_name_production(json.dumps(tool_input, ensure_ascii=False), opts.patterns):
                return 0
        else:
            return 0
        try:
            from .decide import pre_tool_use

            return _emit(pre_tool_use(payload, opts))
        except Exception as err:  # the promise: never a silent allow on a possible mutation
            return _emit(internal_error(payload, opts, err))
    if event == "UserPromptSubmit":
        prompt = str(payload["prompt"])
        if not prompt.lstrip().startswith("/") or not may_name_production(prompt, opts.patterns):
            return 0
        try:
            from .prompt import user_prompt_submit

            return _emit(user_prompt_submit(payload, opts))
        except Exception as err:  # the prompt goes on; the model still hears about Rule #0
            sys.stderr.write(f"safety-lint guard: internal error: {type(err).__name__}: {err}\n")
            context = (
                "Rule #0 (safety-lint guard): this command may change production. Before any"
                " production change, put the team's confirmation protocol to the user and wait"
                " for the answers."
            )
            return _emit(
                {
                    "hookSpecificOutput": {
                        "hookEventName": "UserPromptSubmit",
                        "additionalContext": context,
                    }
                }
            )
    return 0


def main(args: Sequence[str]) -> int:
    try:
        opts, rest = parse_options(args)
    except Malformed as err:
        sys.stderr.write(f"safety-lint guard: {err}\n{USAGE}\n")
        return 2
    if rest and rest[0] in ("install", "uninstall"):
        from .install import main as install_main

        return install_main(rest[0], rest[1:], opts)
    if rest:
        if rest[0] in ("-h", "--help"):
            sys.stdout.write(USAGE + "\n")
            return 0
        sys.stderr.write(f"safety-lint guard: unknown argument '{rest[0]}'\n{USAGE}\n")
        return 2
    try:
        data = sys.stdin.buffer.read(MAX_INPUT + 1)
    except OSError as err:
        sys.stderr.write(f"safety-lint guard: cannot read stdin: {err}\n")
        return 2
    return hook(opts, data)
