"""Console entry point. `guard` is dispatched before typer is imported: the hook runs before
every Bash call of a Claude Code session and must start fast."""

from __future__ import annotations

import sys

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import NoReturn


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "guard":
        guard(sys.argv[2:])
    from .cli import main as cli_main

    cli_main()


def guard(args: list[str]) -> NoReturn:
    """`safety-lint guard ...` in a process of its own, which it ends itself.

    A hook process lives for milliseconds: the cyclic garbage collector has nothing to find
    (it is turned off), and the interpreter's teardown (freeing every module and object, about
    3 ms of the 10 ms the whole call is allowed) is skipped with `os._exit` once the output is
    flushed. Everything the guard writes to files is written and closed by then (audit lines
    and cache entries with `os.write`, settings files replaced atomically)."""
    import gc
    import os

    gc.disable()
    from .guard.run import main as guard_main

    code = guard_main(args)
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except OSError:  # Claude Code stopped reading: the exit code still says it
        pass
    os._exit(code)
