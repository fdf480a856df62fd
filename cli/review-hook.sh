#!/usr/bin/env bash
# pre-commit entry (language: script): reviews the files pre-commit passes, from the user's
# repository (the working directory), with this checkout's reviewer, compiled: `npm ci` builds
# dist/ (the `prepare` script) into this checkout once (pre-commit keeps the checkout in its cache),
# and each commit then starts plain Node, not a TypeScript loader.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
if [ ! -f "$here/dist/cli/review.js" ]; then
  npm ci --prefix "$here" --no-audit --no-fund --loglevel=error >&2
fi
exec node "$here/dist/cli/review.js" "$@"
