#!/usr/bin/env bash
# Runs the whole suite again on other Node release lines, each as a user of that Node would:
#   bash scripts/test-node.sh 22 24
# For each MAJOR: fetch that Node (scripts/node-install.sh, into .node/), reinstall with its `npm ci`
# (which must print no EBADENGINE warning there), then `npm test` with it first on PATH. Brokers that are
# already up are reused. node_modules is left as the last Node installed it (the same files on every line).
set -euo pipefail
cd "$(dirname -- "${BASH_SOURCE[0]}")/.."
(($#)) || { echo "usage: test-node.sh MAJOR [MAJOR ...]" >&2; exit 2; }
for major in "$@"; do
  bin="$(bash scripts/node-install.sh "$major")"
  echo "== Node $("$bin/node" --version): npm ci, then npm test"
  log="$(mktemp)"
  PATH="$bin:$PATH" npm ci --no-audit --no-fund </dev/null 2>&1 | tee "$log"
  if grep -q EBADENGINE "$log"; then
    echo "test-node: ERROR: npm ci printed EBADENGINE warnings on Node $major (see above)" >&2
    exit 1
  fi
  rm -f "$log"
  # the cluster phase ran on the first Node (see scripts/test-clusters.sh)
  PATH="$bin:$PATH" CG_CLUSTER_PHASE=off npm test </dev/null
done
