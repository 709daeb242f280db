#!/usr/bin/env bash
# The VS Code package's tests, as CI runs them: a clean install from package-lock.json, then
# the grammar's scope assertions, its snapshots, the check of every live .nas file of the
# repository, and extension.js against a fake VS Code. Needs Node.js >= 18 and npm, and the
# npm registry (or a warm npm cache); it fails, never skips, when npm is missing.
set -euo pipefail
cd "$(dirname "$0")"
if ! command -v npm >/dev/null 2>&1 || ! command -v node >/dev/null 2>&1; then
  echo "error: editors/vscode/test.sh needs node and npm on PATH (Node.js >= 18); none found" >&2
  exit 1
fi
echo "node $(node --version), npm $(npm --version)"
npm ci --no-audit --no-fund
npm test
