#!/usr/bin/env bash
# The kafka-cluster deployment: three KRaft nodes of Kafka 4.x (KAFKA_VERSION in scripts/kafka/versions.env),
# each a combined broker+controller, one cluster (one cluster id, three voters), on loopback:
#
#   node.id 1: 127.0.0.1:9292 (controller :9392, mTLS :9492)
#   node.id 2: 127.0.0.1:9293 (controller :9393, mTLS :9493)
#   node.id 3: 127.0.0.1:9294 (controller :9394, mTLS :9494)
#
# The mTLS listeners require a client certificate signed by the CA of scripts/certs.sh (.brokers/certs:
# ca.pem, client.pem/client.key); the nodes talk to each other over PLAINTEXT.
#
# Topics, the group offsets and the transaction state are replicated 3 times, min.insync.replicas 2: one
# node down, everything still reads and writes.
#
#   bash scripts/deploy/kafka-cluster.sh up              start or reuse the three nodes (idempotent)
#   bash scripts/deploy/kafka-cluster.sh down            stop the three (SIGTERM: controlled shutdown)
#   bash scripts/deploy/kafka-cluster.sh stop-node PORT  stop one node (its leaderships move to the others)
#   bash scripts/deploy/kafka-cluster.sh start-node PORT start (or reuse) one node; it rejoins the cluster
#
# Each node is scripts/kafka/kafka-up.sh in its cluster mode (same jars, formatting, readiness and reuse as
# the single broker); state lives under $BROKERS_DIR/kafka-cluster/VERSION/{node,data}-PORT (logs:
# node-PORT/broker.log). The three start at once: a node is ready only once two voters run.
# Errors: "kafka-cluster: ERROR: cause" + "hint: ..." on stderr, exit status 3.
set -euo pipefail
SCRIPT_DIR="$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd -P)"
REPO_ROOT="$(cd -- "$SCRIPT_DIR/.." && pwd -P)"
# shellcheck disable=SC2034 # used by kdie/knote in lib.sh
KAFKA_PROG=kafka-cluster
# shellcheck source-path=SCRIPTDIR source=../kafka/lib.sh
. "$SCRIPT_DIR/kafka/lib.sh"

PORTS=(9292 9293 9294)
CPORTS=(9392 9393 9394)
VERSION=$KAFKA_VERSION
BROKERS_DIR=${BROKERS_DIR:-$REPO_ROOT/.brokers}
export KAFKA_NODES_DIR="$BROKERS_DIR/kafka-cluster/$VERSION"
voters=""
for i in 0 1 2; do voters+="${voters:+,}$((i + 1))@$KAFKA_HOST:${CPORTS[i]}"; done
export KAFKA_VOTERS=$voters KAFKA_RF=3
export KAFKA_HEAP_OPTS=${KAFKA_CLUSTER_HEAP_OPTS:--Xms128m -Xmx384m}
export KAFKA_PROG

# index_of PORT : 0..2 for a node's port, or die.
index_of() {
  local i
  for i in 0 1 2; do [[ ${PORTS[i]} == "$1" ]] && { printf '%s' "$i"; return 0; }; done
  kdie "no node of the kafka-cluster listens on port '${1:-}'" "give one of ${PORTS[*]}"
}

# node_up I : scripts/kafka/kafka-up.sh for node I (its status line on stdout).
node_up() {
  KAFKA_NODE_ID=$(($1 + 1)) bash "$SCRIPT_DIR/kafka/kafka-up.sh" "$VERSION" "${PORTS[$1]}" "${CPORTS[$1]}"
}

node_down() { bash "$SCRIPT_DIR/kafka/kafka-down.sh" "$VERSION" "${PORTS[$1]}"; }

# how LINE : "started" / "reused" / ... from a kafka-up.sh status line.
how() { sed -n 's/^kafka *[^ ]* *\([a-z]*\).*/\1/p' <<<"$1"; }

up() {
  mkdir -p "$KAFKA_NODES_DIR" 2>/dev/null || kdie "cannot create $(kafka_rel "$KAFKA_NODES_DIR") as user $(id -un)" \
    "run as the user that owns $(kafka_rel "$BROKERS_DIR"), or: sudo chown -R $(id -un) $(kafka_rel "$BROKERS_DIR")"
  # Fetch the jars once before the three nodes race for them (kafka_ensure_libs locks, but says it three times).
  kafka_ensure_libs "$VERSION"
  local t0 tmp i pids=() rc failed=() out summary=() line
  t0="$(now)"
  tmp="$(mktemp -d)"
  for i in 0 1 2; do
    node_up "$i" >"$tmp/out.$i" 2>"$tmp/err.$i" &
    pids+=($!)
  done
  for i in 0 1 2; do
    rc=0
    wait "${pids[i]}" || rc=$?
    ((rc == 0)) || failed+=("$i:$rc")
  done
  for i in 0 1 2; do
    # notes of kafka-up.sh (a restart, a wipe) go on, errors are summed up below
    [[ -s $tmp/err.$i ]] && sed "s/^/node ${PORTS[i]}: /" "$tmp/err.$i" >&2
    line="$(cat "$tmp/out.$i")"
    summary+=("${PORTS[i]} $(how "$line")")
  done
  rm -rf "$tmp"
  if ((${#failed[@]})); then
    out=""
    for i in "${failed[@]}"; do out+="${out:+, }${PORTS[${i%%:*}]} (exit status ${i#*:})"; done
    kdie "node(s) $out did not start" \
      "see the errors above and $(kafka_rel "$KAFKA_NODES_DIR")/node-PORT/broker.log; a node waits for a second voter to run, so all three must be able to start"
  fi
  local all
  all="$(printf '%s\n' "${summary[@]}" | awk '{print $2}' | sort -u | paste -sd/ -)"
  printf '%-13s %s:%s controllers %s-%s  %s (Kafka %s; %s; %ss)\n' kafka-cluster "$KAFKA_HOST" "$(IFS=,; echo "${PORTS[*]}")" \
    "${CPORTS[0]}" "${CPORTS[2]}" "$all" "$VERSION" "$(IFS=,; echo "${summary[*]}" | sed 's/,/, /g')" "$(elapsed "$t0")"
}

down() {
  local i t0 r=() tmp pids=()
  t0="$(now)"
  # all three at once: a node stopping alone after the others waits for a quorum that is gone (then SIGKILL)
  tmp="$(mktemp -d)"
  for i in 0 1 2; do
    node_down "$i" >"$tmp/out.$i" &
    pids+=($!)
  done
  for i in 0 1 2; do wait "${pids[i]}" || true; done
  for i in 0 1 2; do r+=("${PORTS[i]} $(sed -n 's/.*:[0-9]*  \(.*\) (Kafka.*/\1/p' "$tmp/out.$i")"); done
  rm -rf "$tmp"
  printf '%-13s %s:%s  %s (%ss)\n' kafka-cluster "$KAFKA_HOST" "$(IFS=,; echo "${PORTS[*]}")" "$(IFS=,; echo "${r[*]}" | sed 's/,/, /g')" "$(elapsed "$t0")"
}

case "${1:-}" in
  up) (($# == 1)) || kdie "usage: kafka-cluster.sh up" ""; up ;;
  down) (($# == 1)) || kdie "usage: kafka-cluster.sh down" ""; down ;;
  stop-node) (($# == 2)) || kdie "usage: kafka-cluster.sh stop-node PORT" "PORT is one of ${PORTS[*]}"; i="$(index_of "$2")"; node_down "$i" ;;
  start-node) (($# == 2)) || kdie "usage: kafka-cluster.sh start-node PORT" "PORT is one of ${PORTS[*]}"; i="$(index_of "$2")"; node_up "$i" ;;
  *) kdie "unknown command '${1:-}'" "usage: kafka-cluster.sh up | down | stop-node PORT | start-node PORT" ;;
esac
