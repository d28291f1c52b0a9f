"""Console entry point. `guard` is dispatched before typer is imported: the hook runs before
every Bash call of a Claude Code session and must start fast."""

from __future__ import annotations

import sys


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "guard":
        from .guard.run import main as guard_main

        sys.exit(guard_main(sys.argv[2:]))
    from .cli import main as cli_main

    cli_main()
