#!/usr/bin/env bash
# The logic of the composite action in action.yml, kept here so that tests can run it.
#
#   action.sh install   install safety-lint from the action's own checkout into a venv
#   action.sh run       check (GitHub annotations, a SARIF file), optionally status --check,
#                       and write the step outputs
#
# Inputs come as environment variables (never spliced into the script, so a path or an
# argument cannot inject shell code): SAFETY_LINT_PATHS, SAFETY_LINT_CONFIG,
# SAFETY_LINT_FAIL_ON (error | warning | never), SAFETY_LINT_STATUS (true | false),
# SAFETY_LINT_SARIF, SAFETY_LINT_ARGS. GitHub sets GITHUB_ACTION_PATH, RUNNER_TEMP and
# GITHUB_OUTPUT. Paths and arguments are split at white space.
set -euo pipefail

ACTION_PATH="${GITHUB_ACTION_PATH:-$(cd "$(dirname "$0")/.." && pwd)}"
TEMP="${RUNNER_TEMP:-${TMPDIR:-/tmp}}"
VENV="${SAFETY_LINT_VENV:-$TEMP/safety-lint-venv}"

install() {
    local python="${SAFETY_LINT_PYTHON:-python3}"
    "$python" -m venv "$VENV"
    "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check "$ACTION_PATH"
    "$VENV/bin/safety-lint" --version
}

output() {
    if [ -n "${GITHUB_OUTPUT:-}" ]; then
        echo "$1=$2" >>"$GITHUB_OUTPUT"
    fi
    echo "safety-lint action: $1=$2"
}

run() {
    local fail_on="${SAFETY_LINT_FAIL_ON:-error}"
    case "$fail_on" in
        error | warning | never) ;;
        *)
            echo "::error title=safety-lint::fail-on must be error, warning or never, not '$fail_on'"
            exit 2
            ;;
    esac
    # Unquoted on purpose: split at white space; `set -f`: a `*` stays a `*`, never a glob.
    set -f
    # shellcheck disable=SC2206
    local paths=(${SAFETY_LINT_PATHS:-}) extra=(${SAFETY_LINT_ARGS:-})
    set +f
    local config=()
    if [ -n "${SAFETY_LINT_CONFIG:-}" ]; then
        config=(--config "$SAFETY_LINT_CONFIG")
    fi
    local sarif="${SAFETY_LINT_SARIF:-safety-lint.sarif}"
    case "$sarif" in /*) ;; *) sarif="$PWD/$sarif" ;; esac
    local json="$TEMP/safety-lint-$$.json"
    rm -f "$json"

    local code=0
    "$VENV/bin/safety-lint" check ${config[@]+"${config[@]}"} \
        --fail-on "$([ "$fail_on" = never ] && echo error || echo "$fail_on")" \
        ${extra[@]+"${extra[@]}"} \
        --format sarif --output-file "$sarif" --format json --output-file "$json" \
        --format github ${paths[@]+"${paths[@]}"} || code=$?

    local errors="" warnings=""
    if [ -f "$json" ]; then
        read -r errors warnings < <("$VENV/bin/python" - "$json" <<'PY'
import json, sys
report = json.load(open(sys.argv[1], encoding="utf-8"))
found = [v["severity"] for f in report["files"] for v in f["violations"]]
print(found.count("error"), found.count("warning"))
PY
)
        rm -f "$json"
    fi
    output errors "$errors"
    output warnings "$warnings"
    output sarif-file "$([ -f "$sarif" ] && echo "$sarif")"
    output exit-code "$code"

    local status_code=""
    if [ "${SAFETY_LINT_STATUS:-false}" = true ]; then
        status_code=0
        "$VENV/bin/safety-lint" status --check ${config[@]+"${config[@]}"} || status_code=$?
    fi
    output status-exit-code "$status_code"

    if [ "$code" -ge 2 ] || [ "${status_code:-0}" -ge 2 ]; then
        exit 2  # a usage or configuration error is never a pass
    fi
    if [ "$fail_on" != never ] && { [ "$code" -ne 0 ] || [ "${status_code:-0}" -ne 0 ]; }; then
        exit 1
    fi
}

case "${1:-}" in
    install) install ;;
    run) run ;;
    *)
        echo "usage: action.sh install|run" >&2
        exit 2
        ;;
esac
