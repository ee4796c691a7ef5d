#!/usr/bin/env bash
# The cluster phase of `npm test`: each clustered deployment is started, tested and stopped in turn, so
# that no two clusters share this machine's cores at once.
#
#   bash scripts/test-clusters.sh [NAME ...]     (default: every folder under test/clusters/)
#
# For NAME: CG_BROKERS=NAME npm run brokers:up, vitest on test/clusters/NAME/ (one file at a time: the
# tests stop and start nodes), then CG_BROKERS=NAME npm run brokers:down, whatever the tests did.
# Exit status: the first failure's, after every deployment has been tried.
# CG_CLUSTER_PHASE=off skips the phase with a line saying so: scripts/test-node.sh sets it for the extra
# Node release lines, as the clusters test the brokers' behaviour, which does not change with Node (the
# first `npm test` of CI runs the phase).
set -uo pipefail
cd "$(dirname -- "${BASH_SOURCE[0]}")/.."
if [[ ${CG_CLUSTER_PHASE:-on} == off ]]; then
  echo "== cluster phase: off (CG_CLUSTER_PHASE=off)"
  exit 0
fi
names=("$@")
if ((${#names[@]} == 0)); then
  for d in test/clusters/*/; do [[ -d $d ]] && names+=("$(basename "$d")"); done
fi
status=0
for name in "${names[@]}"; do
  echo "== cluster phase: $name"
  rc=0
  CG_BROKERS=$name npm run --silent brokers:up </dev/null || rc=$?
  if ((rc == 0)); then
    npx vitest run --config vitest.clusters.config.ts "test/clusters/$name/" </dev/null || rc=$?
  fi
  CG_BROKERS=$name npm run --silent brokers:down </dev/null || true
  ((rc == 0 || status != 0)) || status=$rc
done
exit "$status"
