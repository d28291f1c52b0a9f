#!/usr/bin/env bash
# Install the peer linters used by bench/bench.py into bench-owned locations OUTSIDE the repo.
# Nothing here becomes a project dependency.
#
#   BENCH_HOME (default: $HOME/.cache/safety-lint-bench)
#     $BENCH_HOME/venv   a venv with pymarkdownlnt (`pymarkdown scan`)
#     $BENCH_HOME/npm    an npm prefix with markdownlint-cli2
#
# Re-running is cheap: existing installs are kept unless --force is given.
set -euo pipefail

BENCH_HOME="${BENCH_HOME:-$HOME/.cache/safety-lint-bench}"
PYTHON="${PYTHON:-python3}"
PYMARKDOWN_VERSION="${PYMARKDOWN_VERSION:-0.9.41}"
MARKDOWNLINT_CLI2_VERSION="${MARKDOWNLINT_CLI2_VERSION:-0.24.1}"
FORCE=0
[ "${1:-}" = "--force" ] && FORCE=1

mkdir -p "$BENCH_HOME"

if [ "$FORCE" = 1 ] || [ ! -x "$BENCH_HOME/venv/bin/pymarkdown" ]; then
    echo "== pymarkdownlnt $PYMARKDOWN_VERSION -> $BENCH_HOME/venv"
    rm -rf "$BENCH_HOME/venv"
    "$PYTHON" -m venv "$BENCH_HOME/venv"
    "$BENCH_HOME/venv/bin/python" -m pip install --quiet --upgrade pip
    "$BENCH_HOME/venv/bin/python" -m pip install --quiet "pymarkdownlnt==$PYMARKDOWN_VERSION"
else
    echo "== pymarkdownlnt already in $BENCH_HOME/venv"
fi

if command -v npm >/dev/null 2>&1; then
    if [ "$FORCE" = 1 ] || [ ! -x "$BENCH_HOME/npm/bin/markdownlint-cli2" ]; then
        echo "== markdownlint-cli2 $MARKDOWNLINT_CLI2_VERSION -> $BENCH_HOME/npm"
        npm install --global --prefix "$BENCH_HOME/npm" --no-audit --no-fund --loglevel=error \
            "markdownlint-cli2@$MARKDOWNLINT_CLI2_VERSION"
    else
        echo "== markdownlint-cli2 already in $BENCH_HOME/npm"
    fi
else
    echo "== npm not found: markdownlint-cli2 skipped (bench.py will mark its row as skipped)" >&2
fi

echo
"$BENCH_HOME/venv/bin/pymarkdown" version 2>/dev/null | sed 's/^/pymarkdown /' || true
"$BENCH_HOME/npm/bin/markdownlint-cli2" --help 2>/dev/null | head -1 || true
echo "BENCH_HOME=$BENCH_HOME"
