#!/usr/bin/env bash
# Stop a broker started by scripts/kafka/kafka-up.sh: SIGTERM (controlled
# shutdown), SIGKILL after ~10 s. Idempotent: a broker already down is fine.
#
#   scripts/kafka/kafka-down.sh VERSION PORT   (VERSION may be latest|compat)
#   scripts/kafka/kafka-down.sh all            every broker under .brokers/kafka
#
# Env: KAFKA_NODES_DIR, the parent of node-PORT (as for kafka-up.sh; default .brokers/kafka/VERSION).
#
# Only processes that are kafka.Kafka running on our own node-PORT config are
# ever signalled. Data dirs are kept (the next kafka-up restarts on them).
set -euo pipefail
# shellcheck disable=SC2034 # used by kdie/knote in lib.sh
KAFKA_PROG=kafka-down
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname -- "${BASH_SOURCE[0]}")/lib.sh"

# down_node NODE_DIR : prints "stopped" / "already down".
down_node() {
  local node=$1 pid pidfile="$1/broker.pid" lockfd
  [[ -d $node ]] || { printf 'already down'; return; }
  exec {lockfd}>"$node/.lock"
  flock -w 180 "$lockfd" || kdie "timed out after 180s waiting for another kafka-up/down on $node" "wait for it to finish; \`fuser -v $node/.lock\` shows who holds it"
  pid=""
  [[ -f $pidfile ]] && pid="$(tr -dc 0-9 <"$pidfile")"
  if [[ -z $pid ]] || ! is_our_broker "$pid" "$node"; then
    # Lost pid file? Look for the JVM by its (unique) config path.
    pid="$(pgrep -n -f -- " kafka.Kafka $node/server.properties" || true)"
  fi
  if [[ -n $pid ]] && is_our_broker "$pid" "$node"; then
    stop_pid "$pid" "$node" "${node#"$KAFKA_BASE/"}"
    printf 'stopped'
  else
    printf 'already down'
  fi
  rm -f "$pidfile"
  exec {lockfd}>&-
}

T0="$(now)"
if [[ ${1:-} == all && $# == 1 ]]; then
  shopt -s nullglob
  summary=""
  for node in "$KAFKA_BASE"/*/node-*; do
    r="$(down_node "$node")"
    v="${node#"$KAFKA_BASE/"}"
    summary+="${summary:+; }${v%%/*}:${node##*-} $r"
  done
  printf '%-10s %s\n' kafka "${summary:-nothing to stop}"
  exit 0
fi

(($# == 2)) || kdie "usage: kafka-down.sh VERSION PORT | kafka-down.sh all" "e.g. scripts/kafka/kafka-down.sh latest 9092"
VERSION="$(kafka_resolve_version "$1")"
PORT=$2
[[ $PORT =~ ^[0-9]+$ ]] || kdie "bad port '$PORT'" "give a port number, e.g. 9092"
r="$(down_node "${KAFKA_NODES_DIR:-$KAFKA_BASE/$VERSION}/node-$PORT")"
printf '%-10s %s:%s  %s (Kafka %s, %ss)\n' kafka "$KAFKA_HOST" "$PORT" "$r" "$VERSION" "$(elapsed "$T0")"
