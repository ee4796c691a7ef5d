#!/usr/bin/env bash
# Start (or reuse) the local brokers the cg test suite and benchmarks run against.
#
#   CG_BROKERS               space/comma separated list among: redis rabbitmq
#                            kafka kafka-compat (default: redis). "redis" =
#                            standalone Redis on 127.0.0.1:6379 + a 3-master
#                            Redis Cluster. "kafka" = newest Kafka 4.x
#                            (KAFKA_VERSION in scripts/kafka/versions.env) on
#                            127.0.0.1:9092 (controller :9093); "kafka-compat"
#                            = Kafka 3.9.1 on 127.0.0.1:9192 (controller :9193).
#                            Kafka runs from Maven Central jars (needs java 17+
#                            and mvn; first run downloads them), see scripts/kafka/.
#   CG_REDIS_CLUSTER_PORTS   space separated cluster ports (default: 7001 7002 7003)
#
# Idempotent: healthy brokers are reused; a cluster with stopped nodes is
# restarted (nodes rejoin through their nodes.conf); a broken or half-created
# cluster is wiped and created anew. Everything listens on loopback only.
# Prints one short status line per broker. Works from any cwd.
set -euo pipefail

SCRIPT_DIR="$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd -P)"
REPO_ROOT="$(cd -- "$SCRIPT_DIR/.." && pwd -P)"
BROKERS_DIR="$REPO_ROOT/.brokers"
HOST=127.0.0.1

read -r -a CLUSTER_PORTS <<<"${CG_REDIS_CLUSTER_PORTS:-7001 7002 7003}"

log() { printf '%s\n' "$*"; }
die() { printf 'brokers-up: ERROR: %s\n' "$*" >&2; exit 1; }

# --- helpers -----------------------------------------------------------------

# rcli PORT ARGS... : redis-cli against loopback, bounded, CR stripped.
rcli() {
  local port=$1; shift
  timeout 5 redis-cli -h "$HOST" -p "$port" "$@" 2>/dev/null | tr -d '\r'
}

redis_up() { [[ "$(rcli "$1" ping || true)" == PONG ]]; }

# wait_redis PORT SECONDS LOGFILE
wait_redis() {
  local port=$1 secs=$2 logfile=$3 i
  for ((i = 0; i < secs * 5; i++)); do
    redis_up "$port" && return 0
    sleep 0.2
  done
  die "redis on $HOST:$port did not answer PING within ${secs}s (see $logfile)"
}

# info_field PORT FIELD : value of FIELD from CLUSTER INFO (empty on error).
info_field() {
  rcli "$1" cluster info | sed -n "s/^$2://p" | head -n1 || true
}

# --- standalone Redis (127.0.0.1:6379) ---------------------------------------

up_redis_standalone() {
  local port=6379
  if redis_up "$port"; then
    log "redis      $HOST:$port  reused"
    return
  fi
  local dir=/var/lib/redis logfile=/var/log/redis/ci.log
  if ! { [[ -d $dir && -w $dir ]] || mkdir -p "$dir" 2>/dev/null; }; then
    dir="$BROKERS_DIR/redis-standalone"
  fi
  if ! { [[ -d ${logfile%/*} && -w ${logfile%/*} ]] || mkdir -p "${logfile%/*}" 2>/dev/null; }; then
    logfile="$BROKERS_DIR/redis-standalone/redis.log"
  fi
  mkdir -p "$dir" "${logfile%/*}"
  redis-server --daemonize yes --bind 127.0.0.1 -::1 --port "$port" \
    --save "" --appendonly no --dir "$dir" --logfile "$logfile" >/dev/null 9>&- \
    || die "redis-server failed to start on port $port (see $logfile)"
  wait_redis "$port" 15 "$logfile"
  log "redis      $HOST:$port  started (dir $dir)"
}

# --- Redis Cluster (3 masters, no replicas) -----------------------------------

node_dir() { printf '%s/redis-cluster/%s' "$BROKERS_DIR" "$1"; }

start_cluster_node() {
  local port=$1 dir
  dir="$(node_dir "$port")"
  mkdir -p "$dir"
  redis-server --daemonize yes --bind 127.0.0.1 --port "$port" \
    --cluster-enabled yes --cluster-config-file nodes.conf \
    --cluster-node-timeout 5000 --save "" --appendonly no \
    --dir "$dir" --logfile "$dir/redis.log" --pidfile "$dir/redis.pid" >/dev/null 9>&- \
    || die "redis-server failed to start cluster node on port $port (see $dir/redis.log)"
}

# A node is healthy when it sees exactly our N masters, all slots, state ok.
node_healthy() {
  local port=$1 n=${#CLUSTER_PORTS[@]} info nodes q
  info="$(rcli "$port" cluster info)" || return 1
  grep -qx 'cluster_state:ok' <<<"$info" || return 1
  grep -qx 'cluster_slots_assigned:16384' <<<"$info" || return 1
  grep -qx 'cluster_slots_ok:16384' <<<"$info" || return 1
  grep -qx "cluster_known_nodes:$n" <<<"$info" || return 1
  grep -qx "cluster_size:$n" <<<"$info" || return 1
  nodes="$(rcli "$port" cluster nodes)" || return 1
  for q in "${CLUSTER_PORTS[@]}"; do
    grep -q ":$q@" <<<"$nodes" || return 1
  done
}

cluster_healthy() {
  local p
  for p in "${CLUSTER_PORTS[@]}"; do node_healthy "$p" || return 1; done
}

# Every node is blank: knows only itself, owns no slot, holds no key.
cluster_fresh() {
  local p
  for p in "${CLUSTER_PORTS[@]}"; do
    [[ "$(info_field "$p" cluster_known_nodes)" == 1 ]] || return 1
    [[ "$(info_field "$p" cluster_slots_assigned)" == 0 ]] || return 1
    [[ "$(rcli "$p" dbsize)" == 0 ]] || return 1
  done
}

# Same membership and full slot assignment everywhere, but not (yet) ok:
# typically nodes that just restarted and are still being gossiped back in.
cluster_recovering() {
  local p q n=${#CLUSTER_PORTS[@]} nodes
  for p in "${CLUSTER_PORTS[@]}"; do
    [[ "$(info_field "$p" cluster_known_nodes)" == "$n" ]] || return 1
    [[ "$(info_field "$p" cluster_slots_assigned)" == 16384 ]] || return 1
    nodes="$(rcli "$p" cluster nodes)" || return 1
    for q in "${CLUSTER_PORTS[@]}"; do
      grep -q ":$q@" <<<"$nodes" || return 1
    done
  done
}

# wait_cluster_ok SECONDS : returns 1 on timeout (caller decides).
wait_cluster_ok() {
  local secs=$1 i
  for ((i = 0; i < secs * 5; i++)); do
    cluster_healthy && return 0
    sleep 0.2
  done
  return 1
}

stop_cluster_node() {
  local port=$1 i
  redis_up "$port" || return 0
  timeout 10 redis-cli -h "$HOST" -p "$port" shutdown nosave >/dev/null 2>&1 || true
  for ((i = 0; i < 50; i++)); do
    redis_up "$port" || return 0
    sleep 0.2
  done
  die "cluster node $HOST:$port did not shut down"
}

create_cluster() {
  local p addrs=()
  for p in "${CLUSTER_PORTS[@]}"; do addrs+=("$HOST:$p"); done
  local out
  if ! out="$(redis-cli --cluster create "${addrs[@]}" --cluster-replicas 0 --cluster-yes </dev/null 2>&1)"; then
    printf '%s\n' "$out" >&2
    die "redis-cli --cluster create failed"
  fi
}

# Kill our nodes, wipe their dirs, start them blank and create the cluster.
rebuild_cluster() {
  local p
  for p in "${CLUSTER_PORTS[@]}"; do stop_cluster_node "$p"; done
  for p in "${CLUSTER_PORTS[@]}"; do rm -rf "$(node_dir "$p")"; done
  for p in "${CLUSTER_PORTS[@]}"; do start_cluster_node "$p"; done
  for p in "${CLUSTER_PORTS[@]}"; do wait_redis "$p" 15 "$(node_dir "$p")/redis.log"; done
  # Belt and braces for nodes we could not restart blank (should not happen).
  for p in "${CLUSTER_PORTS[@]}"; do
    if [[ "$(info_field "$p" cluster_known_nodes)" != 1 ]]; then
      rcli "$p" flushall >/dev/null || true
      rcli "$p" cluster reset hard >/dev/null || true
    fi
  done
  create_cluster
}

up_redis_cluster() {
  local p started=() n=${#CLUSTER_PORTS[@]}
  ((n >= 3)) || die "CG_REDIS_CLUSTER_PORTS needs at least 3 ports (got: ${CLUSTER_PORTS[*]})"
  for p in "${CLUSTER_PORTS[@]}"; do
    [[ $p =~ ^[0-9]+$ ]] || die "bad port in CG_REDIS_CLUSTER_PORTS: $p"
  done
  local label="redis-cluster $HOST:$(IFS=,; echo "${CLUSTER_PORTS[*]}")"

  for p in "${CLUSTER_PORTS[@]}"; do
    if ! redis_up "$p"; then
      start_cluster_node "$p"
      started+=("$p")
    fi
  done
  for p in "${started[@]}"; do wait_redis "$p" 15 "$(node_dir "$p")/redis.log"; done

  for p in "${CLUSTER_PORTS[@]}"; do
    [[ -n "$(info_field "$p" cluster_state)" ]] \
      || die "$HOST:$p answers but is not a cluster-mode redis; stop it or set CG_REDIS_CLUSTER_PORTS"
  done

  if cluster_healthy; then
    if ((${#started[@]})); then
      log "$label  ok (restarted ${started[*]})"
    else
      log "$label  reused"
    fi
    return
  fi

  local how
  if cluster_fresh; then
    create_cluster
    how="created"
  elif cluster_recovering && wait_cluster_ok 30; then
    log "$label  ok (restarted ${started[*]:-nothing}, rejoined)"
    return
  else
    rebuild_cluster
    how="recreated (was broken)"
  fi
  wait_cluster_ok 30 || die "redis cluster did not reach cluster_state:ok within 30s (logs in $BROKERS_DIR/redis-cluster/*/redis.log)"
  log "$label  $how"
}

# --- RabbitMQ (127.0.0.1:5672, management on :15672) ---------------------------

rabbit_ping() { timeout 20 rabbitmq-diagnostics -q ping >/dev/null 2>&1; }

# The system rabbitmq.conf pins AMQP to 127.0.0.1 but not the management
# listener, which then binds 0.0.0.0:15672. Rebind it to loopback at runtime
# (not persisted: a RabbitMQ restart undoes it until the next brokers-up; the
# permanent fix is `management.tcp.ip = 127.0.0.1` in /etc/rabbitmq/rabbitmq.conf).
mgmt_to_loopback() {
  command -v ss >/dev/null 2>&1 || return 0
  local addrs
  addrs="$(ss -Hltn 'sport = :15672' 2>/dev/null | awk '{print $4}')" || return 0
  [[ -n $addrs ]] || return 0
  grep -qv '^127\.0\.0\.1:' <<<"$addrs" || return 0
  timeout 30 rabbitmqctl -q eval '
    application:set_env(rabbitmq_management, tcp_config, [{ip, "127.0.0.1"}, {port, 15672}]),
    application:stop(rabbitmq_shovel_management),
    application:stop(rabbitmq_management),
    ok = application:start(rabbitmq_management),
    application:start(rabbitmq_shovel_management).' >/dev/null 2>&1 \
    || die "could not rebind the RabbitMQ management listener to 127.0.0.1:15672"
}

up_rabbitmq() {
  local how="reused" i plugins=(rabbitmq_management rabbitmq_shovel rabbitmq_shovel_management)
  if ! rabbit_ping; then
    rabbitmq-server -detached >/dev/null 2>&1 9>&- || die "rabbitmq-server -detached failed"
    how="started"
  fi
  local deadline=$((SECONDS + 60))
  until timeout 20 rabbitmq-diagnostics -q check_running >/dev/null 2>&1; do
    ((SECONDS < deadline)) || die "RabbitMQ did not become ready within 60s"
    sleep 1
  done

  local missing=() pl
  for pl in "${plugins[@]}"; do
    timeout 20 rabbitmq-plugins -q is_enabled "$pl" >/dev/null 2>&1 || missing+=("$pl")
  done
  if ((${#missing[@]})); then
    timeout 60 rabbitmq-plugins -q enable "${missing[@]}" >/dev/null \
      || die "rabbitmq-plugins enable ${missing[*]} failed"
  fi

  mgmt_to_loopback

  deadline=$((SECONDS + 60))
  until curl -fsS -o /dev/null --max-time 5 -u guest:guest "http://$HOST:15672/api/overview" 2>/dev/null; do
    ((SECONDS < deadline)) || die "RabbitMQ management API http://$HOST:15672/api/overview did not answer within 60s"
    sleep 1
  done
  log "rabbitmq   $HOST:5672  $how (management :15672${missing[*]:+, enabled ${missing[*]}})"
}

# --- Kafka (single KRaft node per version, from Maven Central jars) -----------

# up_kafka VERSION PORT CONTROLLER_PORT : scripts/kafka/kafka-up.sh does the work
# (cached jars, format, start or reuse, readiness) and prints the status line.
up_kafka() {
  "$SCRIPT_DIR/kafka/kafka-up.sh" "$@" 9>&- \
    || die "Kafka $1 on $HOST:$2 did not start (see above; logs in $BROKERS_DIR/kafka/)"
}

# --- main ---------------------------------------------------------------------

main() {
  local want=() b
  read -r -a want <<<"$(tr ',' ' ' <<<"${CG_BROKERS:-redis}")"
  ((${#want[@]})) || want=(redis)
  for b in "${want[@]}"; do
    case "$b" in
      redis | rabbitmq | kafka | kafka-compat) ;;
      *) die "unknown broker '$b' in CG_BROKERS (supported: redis rabbitmq kafka kafka-compat)" ;;
    esac
  done

  mkdir -p "$BROKERS_DIR"
  # Serialise concurrent runs (ports are machine-wide, so is the lock).
  # Daemons are started with fd 9 closed so they never inherit the lock.
  local lock="${TMPDIR:-/tmp}/cg-brokers.lock"
  [[ -e $lock ]] || { : >"$lock" && chmod a+r "$lock"; } 2>/dev/null || true
  exec 9<"$lock"  # read-only fd is enough for flock, and works for any user
  flock -w 180 9 || die "timed out waiting for another brokers-up/down run"

  local has_redis=0 has_rabbit=0 has_kafka=0 has_kafka_compat=0
  for b in "${want[@]}"; do
    [[ $b == redis ]] && has_redis=1
    [[ $b == rabbitmq ]] && has_rabbit=1
    [[ $b == kafka ]] && has_kafka=1
    [[ $b == kafka-compat ]] && has_kafka_compat=1
  done
  if ((has_redis)); then
    up_redis_standalone
    up_redis_cluster
  fi
  if ((has_rabbit)); then
    up_rabbitmq
  fi
  if ((has_kafka)); then
    up_kafka latest 9092 9093
  fi
  if ((has_kafka_compat)); then
    up_kafka compat 9192 9193
  fi
}

main "$@"
