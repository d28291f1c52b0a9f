"""`safety-lint guard`: Rule #0 enforced at run time, as a Claude Code hook.

Nothing is imported here: the hook runs before every Bash call and its fast path
(`run.py`) must start in a few milliseconds."""
