#!/usr/bin/env bash
# Stop what scripts/brokers-up.sh started for this project: the Redis Cluster
# nodes (CG_REDIS_CLUSTER_PORTS, default 7001 7002 7003) and every Kafka broker
# under .brokers/kafka (scripts/kafka/kafka-down.sh all; data dirs are kept).
#
# The standalone Redis on 127.0.0.1:6379 and RabbitMQ on 127.0.0.1:5672 are
# deliberately left running: they are the machine's own system services, shared
# with other projects, and brokers-up only (re)uses them.
#
# Node dirs (.brokers/redis-cluster/<port>, with nodes.conf) are kept so that the
# next brokers-up restarts the same cluster. Idempotent: nodes already down are
# skipped without error.
set -euo pipefail

HOST=127.0.0.1
SCRIPT_DIR="$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd -P)"
read -r -a CLUSTER_PORTS <<<"${CG_REDIS_CLUSTER_PORTS:-7001 7002 7003}"

redis_up() { [[ "$(timeout 5 redis-cli -h "$HOST" -p "$1" ping 2>/dev/null | tr -d '\r' || true)" == PONG ]]; }

# CG_BROKERS names what to stop (default: everything). The deployments of scripts/deploy/ (clusters,
# Sentinel, TLS servers) stop through their own script (NAME.sh down); "redis" stops the Redis Cluster
# nodes, "kafka"/"kafka-compat" every Kafka broker under .brokers/kafka.
read -r -a WANT <<<"$(tr ',' ' ' <<<"${CG_BROKERS:-all}")"
wants() { local w; for w in "${WANT[@]}"; do [[ $w == all || $w == "$1" ]] && return 0; done; return 1; }

# Same lock as brokers-up, so a concurrent brokers-up is not torn down midway.
lock="${TMPDIR:-/tmp}/cg-brokers.lock"
[[ -e $lock ]] || { : >"$lock" && chmod a+r "$lock"; } 2>/dev/null || true
exec 9<"$lock"  # read-only fd is enough for flock, and works for any user
flock -w 180 9 || { echo "brokers-down: ERROR: timed out waiting for another brokers-up/down run" >&2; exit 1; }

for f in "$SCRIPT_DIR"/deploy/*.sh; do
  [[ -f $f ]] || continue
  wants "$(basename "$f" .sh)" && bash "$f" down 9>&-
done

stopped=() already=()
wants redis || CLUSTER_PORTS=()
for port in "${CLUSTER_PORTS[@]}"; do
  if ! redis_up "$port"; then
    already+=("$port")
    continue
  fi
  timeout 10 redis-cli -h "$HOST" -p "$port" shutdown nosave >/dev/null 2>&1 || true
  for ((i = 0; i < 50; i++)); do
    redis_up "$port" || break
    sleep 0.2
  done
  if redis_up "$port"; then
    echo "brokers-down: ERROR: cluster node $HOST:$port did not shut down" >&2
    exit 1
  fi
  stopped+=("$port")
done

# down_kafka: SIGTERM (SIGKILL after ~10 s) to our Kafka JVMs; prints one line.
down_kafka() { "$SCRIPT_DIR/kafka/kafka-down.sh" all 9>&-; }
if wants kafka || wants kafka-compat; then down_kafka; fi

wants redis || exit 0
echo "redis-cluster  stopped: ${stopped[*]:-none}; already down: ${already[*]:-none} (standalone redis :6379 and rabbitmq left running)"
