"""UserPromptSubmit: the user starts a slash command or skill with a production argument.

When the linter classifies that command or skill `deployment` or `batch` (or cannot classify
it), the protocol is added to the model's context before it starts, so the first thing it does
is ask. The linter is imported only here, on this event: it needs the Markdown stack."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

from . import protocol
from .run import Options
from .targets import PRODUCTION, mentions


def command_file(root: Path, name: str) -> Path | None:
    """The command or skill `/name` starts, found and named as the linter finds and names them
    (discover.py: the project's `.claude/` folders, nested projects, plugins and marketplaces;
    `/name`, a plugin's `/plugin:name`). As in Claude Code, a plugin's command also answers to
    its bare name when no other command has that name; `ns:name` is also read as `name`."""
    from ..discover import discover_repository
    from ..engine import _command_names
    from ..rulepack import default_pack

    if not name or "/" in name or name.startswith("."):
        return None
    names = _command_names(discover_repository(root, ()).targets, default_pack())
    wanted = "/" + name.lower()
    found = names.get(wanted) or names.get("/" + wanted.rsplit(":", 1)[-1])
    if not found:
        plugins = [facts for key, facts in names.items() if key.endswith(":" + wanted[1:])]
        found = plugins[0] if len(plugins) == 1 else None
    if not found:
        return None
    facts = sorted(found, key=lambda f: (f.scope != "project", f.path))[0]
    return root / facts.path


def classify(root: Path, path: Path) -> str | None:
    """The linter's class of one file ("deployment", "batch", "read-only", None)."""
    from ..check import Selector
    from ..config import load_config
    from ..engine import lint, select
    from ..rulepack import default_pack

    config = load_config(root)
    pack = default_pack(tuple(config.rule_folders))
    run = lint(select(root, [path], pack, config), pack, config, Selector())
    for result in run.results:
        return result.cls
    return None


def user_prompt_submit(payload: Mapping[str, object], opts: Options) -> dict[str, object] | None:
    words = str(payload["prompt"]).strip().split(None, 1)
    name = words[0][1:]
    args = words[1] if len(words) > 1 else ""
    if not any(PRODUCTION in k for k in mentions(args, opts.production(), words=True)):
        return None
    root = Path(os.environ.get("CLAUDE_PROJECT_DIR") or str(payload.get("cwd") or "."))
    path = command_file(root, name)
    if path is None:
        return None  # a built-in command (/help) or one the guard cannot find
    try:
        cls = classify(root, path)
    except Exception:  # a file the linter cannot read is not a reason to drop the protocol
        cls = None
    if cls == "read-only":
        return None
    batch = cls == "batch"
    kind = "batch protocol" if batch else "confirmation protocol"
    context = (
        f"Rule #0 (safety-lint guard): /{name} was started against production ({args.strip()})."
        f" It is classified {cls or 'unclassified'}. Before any step that changes production,"
        " STOP, show the production warning with its impact, and put the"
        f" {kind} to the user, one question at a time or with the question tool, worded"
        f" exactly: {protocol.numbered(batch)} Proceed only if the user answers yes to each"
        " y/n question and types PRODUCTION exactly; otherwise cancel. The runtime guard"
        " checks the transcript for these answers before each production command."
    )
    return {
        "hookSpecificOutput": {"hookEventName": "UserPromptSubmit", "additionalContext": context}
    }
