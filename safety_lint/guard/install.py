"""`safety-lint guard install|uninstall`: the guard's hook entries in Claude Code settings.

The entries are merged into `.claude/settings.json` (or `~/.claude/settings.json` with
`--user`): every other setting and hook is kept, key order and indentation too; the file is
replaced atomically and only when it changes. An entry is the guard's when its command runs
`safety-lint guard` (or `python -m safety_lint guard`)."""

from __future__ import annotations

import argparse
import json
import re
import shlex
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from .run import Options

DEFAULT_COMMAND = "safety-lint guard"
TIMEOUT = 30  # seconds; the guard answers in milliseconds, the transcript read is bounded
_OURS = re.compile(r"(?:^|[\s/\"'])safety[-_]lint(?:\.exe)?[\"']?\s+guard(?:\s|$)")


class SettingsError(Exception):
    pass


def is_ours(hook: object) -> bool:
    return (
        isinstance(hook, dict)
        and isinstance(hook.get("command"), str)
        and bool(_OURS.search(hook["command"]))
    )


def matcher(opts: Options) -> str:
    tools = ["Bash"] + [
        re.escape(t).replace(r"\*", ".*").replace(r"\?", ".") for t in opts.mcp_tools
    ]
    return "|".join(tools)


def wanted(command: str, opts: Options) -> dict[str, dict[str, Any]]:
    line = " ".join([command, *(shlex.quote(a) for a in opts.argv())])
    hook = {"type": "command", "command": line, "timeout": TIMEOUT}
    return {
        "PreToolUse": {"matcher": matcher(opts), "hooks": [hook]},
        "UserPromptSubmit": {"hooks": [dict(hook)]},
    }


def _without_ours(groups: list[Any]) -> list[Any]:
    out = []
    for group in groups:
        if not isinstance(group, dict) or not isinstance(group.get("hooks"), list):
            out.append(group)
            continue
        kept = [h for h in group["hooks"] if not is_ours(h)]
        if len(kept) == len(group["hooks"]):
            out.append(group)
        elif kept:
            out.append({**group, "hooks": kept})
    return out


def _ours(groups: list[Any]) -> list[Any]:
    return [
        {**g, "hooks": [h for h in g["hooks"] if is_ours(h)]}
        for g in groups
        if isinstance(g, dict)
        and isinstance(g.get("hooks"), list)
        and any(is_ours(h) for h in g["hooks"])
    ]


def _hooks(settings: dict[str, Any]) -> dict[str, Any]:
    hooks = settings.get("hooks", {})
    if not isinstance(hooks, dict):
        raise SettingsError("'hooks' is not an object")
    for event, groups in hooks.items():
        if not isinstance(groups, list):
            raise SettingsError(f"'hooks.{event}' is not a list")
    return hooks


def up_to_date(settings: dict[str, Any], want: dict[str, dict[str, Any]]) -> bool:
    hooks = _hooks(settings)
    return all(_ours(hooks.get(event, [])) == [group] for event, group in want.items())


def merged(settings: dict[str, Any], want: dict[str, dict[str, Any]]) -> dict[str, Any]:
    if up_to_date(settings, want):
        return settings
    hooks = dict(_hooks(settings))
    for event, group in want.items():
        hooks[event] = [*_without_ours(hooks.get(event, [])), group]
    return {**settings, "hooks": hooks}


def removed(settings: dict[str, Any]) -> dict[str, Any]:
    hooks = _hooks(settings)
    out: dict[str, Any] = {}
    for event, groups in hooks.items():
        kept = _without_ours(groups)
        if kept or not groups or kept == groups:
            out[event] = kept
    if hooks and not out:
        return {k: v for k, v in settings.items() if k != "hooks"}
    return {**settings, "hooks": out} if "hooks" in settings else settings


def read(path: Path) -> tuple[dict[str, Any], str]:
    if not path.exists():
        return {}, ""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as err:
        raise SettingsError(f"cannot read: {err}") from None
    if not text.strip():
        return {}, text
    try:
        data = json.loads(text)
    except ValueError as err:
        raise SettingsError(f"not valid JSON: {err}") from None
    if not isinstance(data, dict):
        raise SettingsError("not a JSON object")
    return data, text


def render(data: dict[str, Any], old: str) -> str:
    """JSON in the file's own style: its indentation, line endings and final newline."""
    indent: int | str = 2
    m = re.search(r"\n([ \t]+)\S", old)
    if m:
        indent = len(m.group(1)) if m.group(1).strip(" ") == "" else m.group(1)
    text = json.dumps(data, indent=indent, ensure_ascii=False)
    if "\r\n" in old:
        text = text.replace("\n", "\r\n")
    newline = "\r\n" if "\r\n" in old else "\n"
    return text + (newline if not old or old.endswith(("\n", "\r")) else "")


def settings_path(user: bool, explicit: str | None) -> Path:
    if explicit:
        return Path(explicit)
    if user:
        return Path.home() / ".claude" / "settings.json"
    import os

    root = os.environ.get("CLAUDE_PROJECT_DIR")
    if not root:
        from ..discover import git_toplevel

        top = git_toplevel(Path.cwd())
        root = str(top) if top else "."
    return Path(root) / ".claude" / "settings.json"


def main(action: str, args: Sequence[str], opts: Options) -> int:
    parser = argparse.ArgumentParser(prog=f"safety-lint guard {action}")
    parser.add_argument("--user", action="store_true", help="~/.claude/settings.json")
    parser.add_argument("--settings", metavar="FILE", help="this settings file")
    if action == "install":
        parser.add_argument("--check", action="store_true", help="exit 1 if missing or stale")
        parser.add_argument(
            "--command", default=DEFAULT_COMMAND, help="how the hook runs the guard"
        )
    ns = parser.parse_args(list(args))
    path = settings_path(ns.user, ns.settings)
    try:
        data, old = read(path)
        if action == "uninstall":
            new = removed(data)
        else:
            want = wanted(ns.command, opts)
            if ns.check:
                if up_to_date(data, want):
                    print(f"{path}: the safety-lint guard hooks are installed")
                    return 0
                state = "stale" if any(_ours(_hooks(data).get(e, [])) for e in want) else "missing"
                print(
                    f"{path}: the safety-lint guard hooks are {state};"
                    " run `safety-lint guard install`"
                )
                return 1
            new = merged(data, want)
    except SettingsError as err:
        sys.stderr.write(f"safety-lint guard: {path}: {err}\n")
        return 2
    if new == data:
        print(f"{path}: unchanged")
        return 0
    from ..fsutil import WriteError, atomic_write

    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        atomic_write(path, render(new, old).encode("utf-8"))
    except (OSError, WriteError) as err:
        sys.stderr.write(f"safety-lint guard: {err}\n")
        return 2
    verb = "removed from" if action == "uninstall" else "installed in"
    print(f"{path}: safety-lint guard hooks {verb} the settings")
    return 0
