#!/usr/bin/env bash
# pre-commit entry (language: script): reviews the files pre-commit passes, from the user's
# repository (the working directory), with this checkout's reviewer. Installs the reviewer's
# node_modules into this checkout once (pre-commit keeps the checkout in its cache).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
if [ ! -f "$here/node_modules/tsx/dist/cli.mjs" ]; then
  npm ci --prefix "$here" --no-audit --no-fund --loglevel=error >&2
fi
exec node "$here/node_modules/tsx/dist/cli.mjs" "$here/cli/review.ts" "$@"
