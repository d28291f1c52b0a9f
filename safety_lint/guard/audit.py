"""The audit log: one JSON line per decision, appended, for the team's compliance record.

A log that cannot be written does not change the decision (the hook must still answer); the
problem goes to stderr, which Claude Code shows in its debug output."""

from __future__ import annotations

import json
import os
import sys
import time
from collections.abc import Mapping


def log_path(path: str, payload: Mapping[str, object]) -> str:
    """A relative path is relative to the project (CLAUDE_PROJECT_DIR, else the hook's cwd)."""
    path = os.path.expanduser(path)
    if os.path.isabs(path):
        return path
    base = os.environ.get("CLAUDE_PROJECT_DIR") or str(payload.get("cwd") or "") or os.getcwd()
    return os.path.join(base, path)


def record(path: str, payload: Mapping[str, object], entry: Mapping[str, object]) -> None:
    line = {
        "time": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "session": payload.get("session_id"),
        "event": payload.get("hook_event_name"),
        "tool": payload.get("tool_name"),
        **entry,
    }
    data = (json.dumps(line, ensure_ascii=False, sort_keys=True) + "\n").encode("utf-8")
    target = log_path(path, payload)
    try:
        # O_APPEND: each line is one write at the end, even with several sessions at once.
        fd = os.open(target, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            os.write(fd, data)
        finally:
            os.close(fd)
    except OSError as err:
        sys.stderr.write(f"safety-lint guard: cannot write the audit log {target}: {err}\n")
