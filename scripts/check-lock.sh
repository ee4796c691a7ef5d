#!/usr/bin/env bash
# Fails when package-lock.json and package.json have drifted apart: `npm ci` (what users and CI install
# with) would refuse the lock. Asks npm itself, without installing or touching node_modules.
set -uo pipefail
cd "$(dirname -- "${BASH_SOURCE[0]}")/.."
if ! out="$(npm ci --dry-run --ignore-scripts --no-audit --no-fund 2>&1)"; then
  printf '%s\n' "$out" | grep -E '^npm error (Invalid|Missing)' | head -n 20 >&2
  echo "check-lock: ERROR: package-lock.json is out of sync with package.json, so 'npm ci' refuses it" >&2
  echo "hint: run 'npm install' and commit package-lock.json with package.json" >&2
  exit 1
fi
echo "check-lock: package-lock.json matches package.json"
