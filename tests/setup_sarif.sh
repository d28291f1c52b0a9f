#!/usr/bin/env bash
# Install the SARIF Multitool (Microsoft's SARIF SDK, from npm) for the SARIF validation test.
#
#   tests/setup_sarif.sh        # installs once into ${SARIF_TOOLS:-$HOME/.cache/safety-lint-sarif}
#
# Idempotent and quiet: a second run installs nothing. On success it prints two lines, the
# path of the multitool binary and the path of the SARIF 2.1.0 JSON schema it ships, and the
# test in tests/test_ci_formats.py finds them in the same folder. Needs npm (and network the
# first time); Linux x86-64 or macOS. Nothing is installed into the repository.
set -euo pipefail

VERSION="${SARIF_MULTITOOL_VERSION:-5.7.0}"
DIR="${SARIF_TOOLS:-$HOME/.cache/safety-lint-sarif}"
export DOTNET_SYSTEM_GLOBALIZATION_INVARIANT=1  # the test runs it so too: no libicu needed

case "$(uname -s)" in
    Linux) PKG=sarif-multitool-linux ;;
    Darwin) PKG=sarif-multitool-darwin ;;
    *) echo "setup_sarif.sh: no SARIF Multitool package for $(uname -s)" >&2; exit 1 ;;
esac
HOME_PKG="$DIR/node_modules/@microsoft/$PKG"
TOOL="$HOME_PKG/Sarif.Multitool"
SCHEMA="$HOME_PKG/sarif-2.1.0.json"

installed_version() {
    [ -f "$HOME_PKG/package.json" ] || return 0
    sed -n 's/^[[:space:]]*"version":[[:space:]]*"\([^"]*\)".*/\1/p' "$HOME_PKG/package.json"
}

if [ ! -x "$TOOL" ] || [ ! -f "$SCHEMA" ] || [ "$(installed_version)" != "$VERSION" ]; then
    if ! command -v npm >/dev/null 2>&1; then
        echo "setup_sarif.sh: npm is not installed; the SARIF validation test will be skipped" >&2
        exit 1
    fi
    mkdir -p "$DIR"
    npm install --prefix "$DIR" --no-save --no-audit --no-fund --no-package-lock \
        --loglevel=error "@microsoft/$PKG@$VERSION" >/dev/null
    # The package's postinstall only does this chmod; newer npm may not run install scripts.
    chmod u+x "$TOOL"
fi

if ! "$TOOL" --version >/dev/null 2>&1; then
    echo "setup_sarif.sh: $TOOL is installed but does not run on this machine" >&2
    exit 1
fi
echo "$TOOL"
echo "$SCHEMA"
