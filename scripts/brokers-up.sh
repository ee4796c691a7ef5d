#!/usr/bin/env bash
# Start (or reuse) the local brokers the cg test suite and benchmarks run against.
#
#   CG_BROKERS               space/comma separated list among: redis rabbitmq
#                            kafka kafka-compat tools (default: redis).
#                            "tools" = promtool, prometheus and tmux on PATH
#                            (Debian's packages, installed when missing). "redis" =
#                            standalone Redis on 127.0.0.1:6379 + a 3-master
#                            Redis Cluster. "kafka" = newest Kafka 4.x
#                            (KAFKA_VERSION in scripts/kafka/versions.env) on
#                            127.0.0.1:9092 (controller :9093); "kafka-compat"
#                            = Kafka 3.9.1 on 127.0.0.1:9192 (controller :9193).
#                            Kafka runs from Maven Central jars (needs java 17+
#                            and mvn; first run downloads them), see scripts/kafka/.
#   CG_REDIS_PORT            standalone Redis port (default: 6379); the tests
#                            then need CG_TEST_REDIS_URL=redis://127.0.0.1:PORT
#   CG_REDIS_CLUSTER_PORTS   space separated cluster ports (default: 7001 7002 7003;
#                            the tests read the same variable)
#   (RabbitMQ is the machine's node on 5672/15672, with TLS listeners on 5671 and
#   https 15671 added by up_rabbit_tls, and the Kafka ports are fixed: no option
#   moves them.)
#
# Idempotent: healthy brokers are reused; a cluster with stopped nodes is
# restarted (nodes rejoin through their nodes.conf); a broken or half-created
# cluster is wiped and created anew. Everything listens on loopback only.
# Prints one short status line per broker. Works from any cwd.
#
# When a broker cannot be checked or started: one line "brokers-up: ERROR:
# <cause>" and one "hint: <what to do>" on stderr, exit status 3 (not root,
# port taken by another program, missing redis-server/redis-cli/rabbitmq-server/
# java/mvn, Maven Central unreachable, ...). Any other non-zero exit status is an
# unexpected failure, reported the same way with the command that failed.
# RabbitMQ is recognised without root (AMQP on 5672, management API as
# guest/guest on 15672); only starting it or enabling plugins needs root.
set -euo pipefail

SCRIPT_DIR="$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd -P)"
REPO_ROOT="$(cd -- "$SCRIPT_DIR/.." && pwd -P)"
BROKERS_DIR="$REPO_ROOT/.brokers"
HOST=127.0.0.1
# shellcheck source-path=SCRIPTDIR source=common.sh
. "$SCRIPT_DIR/common.sh"

REDIS_PORT=${CG_REDIS_PORT:-6379}
read -r -a CLUSTER_PORTS <<<"${CG_REDIS_CLUSTER_PORTS:-7001 7002 7003}"
MOVE_STANDALONE="or use another port: CG_REDIS_PORT=<port> npm run brokers:up (and CG_TEST_REDIS_URL=redis://$HOST:<port> for the tests)"
MOVE_CLUSTER="or use other ports: CG_REDIS_CLUSTER_PORTS='<p1> <p2> <p3>' npm run brokers:up (the tests read the same variable)"
RABBIT_LOGS="/var/log/rabbitmq/ (rabbit@<node>.log, startup_err)"

log() { printf '%s\n' "$*"; }
# die CAUSE HINT : report why (see the header) and exit 3.
die() { report_error brokers-up "$1" "$2"; exit 3; }

# Unexpected failures (set -e) still say what failed and where the logs are.
FAILED_AT=""
set -E
trap 'FAILED_AT="line $LINENO: $BASH_COMMAND"' ERR
on_exit() {
  local rc=$?
  ((rc == 0 || rc == 3 || rc > 128)) && return 0
  report_error brokers-up "unexpected failure (exit status $rc) in scripts/brokers-up.sh${FAILED_AT:+ at $FAILED_AT}" \
    "trace it with: bash -x scripts/brokers-up.sh; logs: .brokers/redis-cluster/<port>/redis.log, .brokers/kafka/<version>/node-<port>/broker.log, $RABBIT_LOGS"
}
trap on_exit EXIT

# --- helpers -----------------------------------------------------------------

# rcli PORT ARGS... : redis-cli against loopback, bounded, CR stripped.
rcli() {
  local port=$1; shift
  timeout 5 redis-cli -h "$HOST" -p "$port" "$@" 2>/dev/null | tr -d '\r'
}

redis_up() { [[ "$(rcli "$1" ping || true)" == PONG ]]; }

# redis_probe PORT : what listens on HOST:PORT, one of
#   pong          a Redis that answers PING
#   loading       a Redis still loading its data set
#   error REPLY   a Redis that answers PING with an error (a password, ...)
#   free          nothing listens
#   other WHY     something that does not speak Redis
redis_probe() {
  local out rc=0
  out="$(timeout 3 redis-cli -h "$HOST" -p "$1" ping 2>&1 </dev/null)" || rc=$?
  out="$(tr -d '\r' <<<"$out" | sed '/^$/d' | head -n1)"
  if ((rc == 0)); then
    case $out in
      PONG) printf pong ;;
      LOADING*) printf loading ;;
      "") printf 'other no reply to PING' ;;
      *) printf 'error %s' "$out" ;;
    esac
  elif [[ $out == "Could not connect to Redis"* ]] && ! port_open "$1"; then
    printf free
  elif ((rc == 124)); then
    printf 'other no reply to PING within 3s'
  else
    printf 'other %s' "${out#Error: }"
  fi
}

# refuse_redis_port PORT PROBE MOVE : die for a port held by something that is
# not a usable Redis. MOVE says how to use another port instead.
refuse_redis_port() {
  local port=$1 what=$2 move=$3
  case $what in
    error*) die "$HOST:$port is a Redis ($(port_owner "$port")) that answers PING with '${what#error }'; the tests need one without a password" \
      "$(port_kill_hint "$port") or remove its password, $move" ;;
    *) die "$HOST:$port is in use by $(port_owner "$port"), which is not a Redis server (PING: ${what#other })" \
      "$(port_kill_hint "$port"), $move" ;;
  esac
}

need_redis_cli() {
  command -v redis-cli >/dev/null 2>&1 \
    || die "redis-cli not found on PATH (needed to check Redis on $HOST:$REDIS_PORT and the cluster)" \
      "install it: apt-get install redis-tools (or redis-server, which brings it)"
}

# need_redis_server PORT WHAT : before starting WHAT (a Redis) on PORT.
need_redis_server() {
  command -v redis-server >/dev/null 2>&1 \
    || die "redis-server not found on PATH: nothing listens on $HOST:$1 and there is no redis-server to start $2 there" \
      "install it: apt-get install redis-server"
}

# make_dir DIR : mkdir -p DIR, or die naming the user and who owns the way there.
make_dir() {
  mkdir -p -- "$1" 2>/dev/null && [[ -w $1 ]] && return 0
  local d=$1 me owner
  while [[ ! -e $d ]]; do d="$(dirname -- "$d")"; done
  me="$(id -un)" owner="$(stat -c %U -- "$d")"
  local as="run brokers-up as $owner"
  [[ $owner == root ]] || as+=" (or root)"
  if [[ $d == "$BROKERS_DIR"* ]]; then
    die "cannot write $1 as user $me: $d belongs to $owner (an earlier run as $owner?)" \
      "$as, or give the directory to $me: sudo chown -R $me $BROKERS_DIR"
  fi
  die "cannot write $1 as user $me: $d belongs to $owner" "$as"
}

size_of() { stat -c %s -- "$1" 2>/dev/null || echo 0; }

# redis_fatal LOGFILE FROM : the first fatal line redis-server logged after byte FROM.
redis_fatal() {
  { tail -c "+$(($2 + 1))" -- "$1" 2>/dev/null || true; } \
    | grep -E -m1 'Failed listening|aborting|Fatal|FATAL|Can.t (open|chdir|create)' | sed 's/^[^#]*# //' || true
}

# wait_redis PORT SECONDS LOGFILE [FROM] : FROM = size of LOGFILE before the
# start (only what this start logged counts).
wait_redis() {
  local port=$1 secs=$2 logfile=$3 from=${4:-0} i fatal
  for ((i = 0; i < secs * 5; i++)); do
    redis_up "$port" && return 0
    if [[ -n $logfile ]]; then
      fatal="$(redis_fatal "$logfile" "$from")"
      if [[ -n $fatal ]]; then
        local busy
        busy="$({ tail -c "+$((from + 1))" -- "$logfile" 2>/dev/null || true; } \
          | sed -n 's/.*listening socket [^ ]*:\([0-9]*\): bind: Address already in use.*/\1/p' | head -n1)"
        if [[ -n $busy ]]; then
          die "redis-server for $HOST:$port could not listen on $HOST:$busy: it is in use by $(port_owner "$busy")" \
            "$(port_kill_hint "$busy") (log: $logfile)"
        fi
        die "redis-server did not start on $HOST:$port: $fatal" "see $logfile"
      fi
    fi
    sleep 0.2
  done
  die "redis on $HOST:$port did not answer PING within ${secs}s" "see ${logfile:-the log of the Redis on that port}"
}

# info_field PORT FIELD : value of FIELD from CLUSTER INFO (empty on error).
info_field() {
  rcli "$1" cluster info | sed -n "s/^$2://p" | head -n1 || true
}

# --- standalone Redis (127.0.0.1:6379, CG_REDIS_PORT) ------------------------

up_redis_standalone() {
  local port=$REDIS_PORT what
  what="$(redis_probe "$port")"
  case $what in
    pong) log "redis      $HOST:$port  reused"; return ;;
    loading)
      wait_redis "$port" 60 ""
      log "redis      $HOST:$port  reused"
      return
      ;;
    free) ;;
    *) refuse_redis_port "$port" "$what" "$MOVE_STANDALONE" ;;
  esac
  need_redis_server "$port" "the standalone Redis"
  local dir logfile
  if ((port == 6379)); then
    dir=/var/lib/redis logfile=/var/log/redis/ci.log
    if ! { [[ -d $dir && -w $dir ]] || mkdir -p "$dir" 2>/dev/null; }; then
      dir="$BROKERS_DIR/redis-standalone"
    fi
    if ! { [[ -d ${logfile%/*} && -w ${logfile%/*} ]] || mkdir -p "${logfile%/*}" 2>/dev/null; }; then
      logfile="$BROKERS_DIR/redis-standalone/redis.log"
    fi
  else
    dir="$BROKERS_DIR/redis-standalone-$port" logfile="$BROKERS_DIR/redis-standalone-$port/redis.log"
  fi
  make_dir "$dir"
  make_dir "${logfile%/*}"
  local from out
  from="$(size_of "$logfile")"
  out="$(redis-server --daemonize yes --bind 127.0.0.1 -::1 --port "$port" \
    --save "" --appendonly no --dir "$dir" --logfile "$logfile" 2>&1 </dev/null 9>&-)" \
    || die "redis-server failed to start on $HOST:$port${out:+: $(sed '/^$/d' <<<"$out" | tail -n1)}" "see $logfile"
  wait_redis "$port" 15 "$logfile" "$from"
  log "redis      $HOST:$port  started (dir $dir)"
}

# --- Redis Cluster (3 masters, no replicas) -----------------------------------

node_dir() { printf '%s/redis-cluster/%s' "$BROKERS_DIR" "$1"; }

# Size of each node's log before we started it (wait_redis reads what came after).
declare -A NODE_LOG_FROM=()

start_cluster_node() {
  local port=$1 dir out
  dir="$(node_dir "$port")"
  make_dir "$dir"
  NODE_LOG_FROM[$port]="$(size_of "$dir/redis.log")"
  out="$(redis-server --daemonize yes --bind 127.0.0.1 --port "$port" \
    --cluster-enabled yes --cluster-config-file nodes.conf \
    --cluster-node-timeout 5000 --save "" --appendonly no \
    --dir "$dir" --logfile "$dir/redis.log" --pidfile "$dir/redis.pid" 2>&1 </dev/null 9>&-)" \
    || die "redis-server failed to start a cluster node on $HOST:$port${out:+: $(sed '/^$/d' <<<"$out" | tail -n1)}" "see $dir/redis.log"
}

# wait_node PORT : wait_redis for a cluster node started by start_cluster_node.
wait_node() { wait_redis "$1" 15 "$(node_dir "$1")/redis.log" "${NODE_LOG_FROM[$1]:-0}"; }

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
  die "cluster node $HOST:$port did not shut down (redis-cli shutdown nosave)" "$(port_kill_hint "$port") and run brokers-up again"
}

create_cluster() {
  local p addrs=()
  for p in "${CLUSTER_PORTS[@]}"; do addrs+=("$HOST:$p"); done
  local out
  if ! out="$(redis-cli --cluster create "${addrs[@]}" --cluster-replicas 0 --cluster-yes </dev/null 2>&1)"; then
    printf '%s\n' "$out" >&2
    die "redis-cli --cluster create ${addrs[*]} failed: $(sed '/^$/d' <<<"$out" | tail -n1)" \
      "see the output above and $BROKERS_DIR/redis-cluster/<port>/redis.log"
  fi
}

# Kill our nodes, wipe their dirs, start them blank and create the cluster.
rebuild_cluster() {
  local p
  for p in "${CLUSTER_PORTS[@]}"; do stop_cluster_node "$p"; done
  for p in "${CLUSTER_PORTS[@]}"; do rm -rf "$(node_dir "$p")"; done
  for p in "${CLUSTER_PORTS[@]}"; do start_cluster_node "$p"; done
  for p in "${CLUSTER_PORTS[@]}"; do wait_node "$p"; done
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
  local p started=() free=() n=${#CLUSTER_PORTS[@]} what
  ((n >= 3)) || die "CG_REDIS_CLUSTER_PORTS needs at least 3 ports (got: ${CLUSTER_PORTS[*]:-none})" \
    "e.g. CG_REDIS_CLUSTER_PORTS='7001 7002 7003'"
  for p in "${CLUSTER_PORTS[@]}"; do
    [[ $p =~ ^[0-9]+$ ]] || die "bad port '$p' in CG_REDIS_CLUSTER_PORTS" "give port numbers, e.g. CG_REDIS_CLUSTER_PORTS='7001 7002 7003'"
  done
  local label
  label="redis-cluster $HOST:$(IFS=,; echo "${CLUSTER_PORTS[*]}")"

  # Every port is looked at before anything starts: one taken by another
  # program stops the run here, with no half-started cluster left behind.
  for p in "${CLUSTER_PORTS[@]}"; do
    what="$(redis_probe "$p")"
    case $what in
      pong) ;;
      loading) wait_redis "$p" 60 "" ;;
      free) free+=("$p") ;;
      *) refuse_redis_port "$p" "$what" "$MOVE_CLUSTER" ;;
    esac
  done
  # A node also listens on its cluster bus port, PORT + 10000.
  for p in "${free[@]}"; do
    ! port_open $((p + 10000)) \
      || die "$HOST:$((p + 10000)) (the cluster bus port of node $p) is in use by $(port_owner $((p + 10000)))" \
        "$(port_kill_hint $((p + 10000))), $MOVE_CLUSTER"
  done
  if ((${#free[@]})); then
    need_redis_server "${free[0]}" "a cluster node"
    for p in "${free[@]}"; do
      start_cluster_node "$p"
      started+=("$p")
    done
  fi
  for p in "${started[@]}"; do wait_node "$p"; done

  for p in "${CLUSTER_PORTS[@]}"; do
    [[ -n "$(info_field "$p" cluster_state)" ]] \
      || die "$HOST:$p is a Redis without cluster mode ($(port_owner "$p")), not a node of the test cluster" \
        "$(port_kill_hint "$p"), $MOVE_CLUSTER"
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
  wait_cluster_ok 30 || die "redis cluster on ${CLUSTER_PORTS[*]} did not reach cluster_state:ok within 30s" \
    "see $BROKERS_DIR/redis-cluster/<port>/redis.log"
  log "$label  $how"
}

# --- RabbitMQ (127.0.0.1:5672, management on :15672) ---------------------------
# Checked without root: AMQP on 5672 and the management API as guest/guest.
# rabbitmqctl & co. need root or the rabbitmq user (the Erlang cookie), so they
# are only run when something has to change (start, plugins, listener).

RABBIT_PLUGINS=(rabbitmq_management rabbitmq_shovel rabbitmq_shovel_management rabbitmq_stream rabbitmq_stream_management)

can_admin_rabbit() { ((EUID == 0)) || [[ "$(id -un)" == rabbitmq ]]; }

rabbit_ping() { timeout 20 rabbitmq-diagnostics -q ping >/dev/null 2>&1; }

# amqp_answers : 127.0.0.1:5672 answers an AMQP 0-9-1 protocol header with a
# method frame on channel 0 (RabbitMQ's connection.start) within 3 s.
amqp_answers() {
  local got
  # shellcheck disable=SC2016 # $0/$1 expand in the inner bash
  got="$(timeout 3 bash -c '
    exec 3<>"/dev/tcp/$0/$1" || exit 1
    printf "AMQP\x00\x00\x09\x01" >&3
    head -c 3 <&3 | od -An -tx1' "$HOST" 5672 2>/dev/null)" || return 1
  [[ "$(tr -d ' \n' <<<"$got")" == 010000 ]]
}

# mgmt_code PATH : HTTP status of GET PATH on the management API as guest/guest
# ("000": no HTTP answer).
mgmt_code() {
  curl -s -o /dev/null -w '%{http_code}' --max-time 5 -u guest:guest "http://$HOST:15672$1" 2>/dev/null || true
}

# rabbit_owned PORT : PORT is held by RabbitMQ (beam.smp) or by a process we
# cannot see (another user's: RabbitMQ runs as rabbitmq).
rabbit_owned() {
  case "$(port_owner "$1")" in
    beam* | "a process of another user"* | "an unknown process"*) return 0 ;;
    *) return 1 ;;
  esac
}

# mgmt_refuse CODE : die when 15672 answers, but not as a management API that
# lets guest in.
mgmt_refuse() {
  case $1 in
    200) ;;
    401) die "the RabbitMQ management API on $HOST:15672 refuses guest/guest (HTTP 401)" \
      "the tests log in as guest/guest: sudo rabbitmqctl add_user guest guest; sudo rabbitmqctl set_user_tags guest administrator; sudo rabbitmqctl set_permissions -p / guest '.*' '.*' '.*'" ;;
    *)
      if port_open 15672 && ! rabbit_owned 15672; then
        die "$HOST:15672 is in use by $(port_owner 15672), which is not the RabbitMQ management API (GET /api/overview: HTTP $1)" \
          "$(port_kill_hint 15672); the RabbitMQ management listener must own $HOST:15672 (no option moves it)"
      fi ;;
  esac
}

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
  local fix="or for good: management.tcp.ip = 127.0.0.1 in /etc/rabbitmq/rabbitmq.conf, then sudo systemctl restart rabbitmq-server"
  can_admin_rabbit || die "the RabbitMQ management listener is on $(paste -sd' ' - <<<"$addrs"), not only $HOST:15672; rebinding it needs root (or the rabbitmq user)" \
    "run as root (sudo npm run brokers:up), $fix"
  timeout 30 rabbitmqctl -q eval '
    application:set_env(rabbitmq_management, tcp_config, [{ip, "127.0.0.1"}, {port, 15672}]),
    application:stop(rabbitmq_shovel_management),
    application:stop(rabbitmq_stream_management),
    application:stop(rabbitmq_management),
    ok = application:start(rabbitmq_management),
    application:start(rabbitmq_stream_management),
    application:start(rabbitmq_shovel_management).' >/dev/null 2>&1 \
    || die "could not rebind the RabbitMQ management listener to $HOST:15672 (rabbitmqctl eval failed)" "see $RABBIT_LOGS; $fix"
}

# The stream protocol (plugin rabbitmq_stream) listens on $HOST:5552 and tells
# clients to connect there (advertised host and port: its default is the host
# name). Enabling the plugin is done online: the settings are put into the
# plugin's environment before it starts (stream_env), and written to a marked
# block of $RABBIT_CONF for the next boot (stream_conf; the block is written only
# once the plugin is enabled: the node refuses stream.* keys without its schema).
RABBIT_STREAM_BEGIN="# --- cg brokers-up: stream listener (managed by scripts/brokers-up.sh; edits are overwritten) ---"
RABBIT_STREAM_END="# --- cg brokers-up: stream end ---"

rabbit_stream_block() {
  cat <<CONF
$RABBIT_STREAM_BEGIN
stream.listeners.tcp.1 = $HOST:5552
stream.advertised_host = $HOST
stream.advertised_port = 5552
$RABBIT_STREAM_END
CONF
}

# stream_env : loads rabbitmq_stream (not started) and sets its listener and advertised address.
stream_env() {
  timeout 30 rabbitmqctl -q eval "
    case application:load(rabbitmq_stream) of ok -> ok; {error, {already_loaded, _}} -> ok end,
    ok = application:set_env(rabbitmq_stream, tcp_listeners, [{\"$HOST\", 5552}]),
    ok = application:set_env(rabbitmq_stream, advertised_host, <<\"$HOST\">>),
    ok = application:set_env(rabbitmq_stream, advertised_port, 5552)." >/dev/null 2>&1 </dev/null 9>&- \
    || die "could not set the RabbitMQ stream listener to $HOST:5552 (rabbitmqctl eval failed)" "see $RABBIT_LOGS"
}

# stream_to_loopback : a stream listener on another address than $HOST:5552 (the plugin
# enabled by hand, without the block) is moved there by restarting the plugin, not the node.
stream_to_loopback() {
  command -v ss >/dev/null 2>&1 || return 0
  local addrs
  addrs="$(ss -Hltn 'sport = :5552' 2>/dev/null | awk '{print $4}')" || return 0
  [[ -n $addrs ]] || return 0
  grep -qv "^$HOST:" <<<"$addrs" || return 0
  can_admin_rabbit || die "the RabbitMQ stream listener is on $(paste -sd' ' - <<<"$addrs"), not only $HOST:5552; rebinding it needs root (or the rabbitmq user)" \
    "run as root (sudo npm run brokers:up)"
  stream_env
  timeout 60 rabbitmqctl -q eval '
    application:stop(rabbitmq_stream_management),
    application:stop(rabbitmq_stream),
    ok = application:start(rabbitmq_stream),
    application:start(rabbitmq_stream_management).' >/dev/null 2>&1 </dev/null 9>&- \
    || die "could not rebind the RabbitMQ stream listener to $HOST:5552 (rabbitmqctl eval failed)" "see $RABBIT_LOGS"
}

# stream_conf : the stream block in $RABBIT_CONF (written when it differs; no restart: the running
# plugin has the same settings from stream_env).
stream_conf() {
  local want current tmp
  want="$(rabbit_stream_block)"
  current="$(awk -v b="$RABBIT_STREAM_BEGIN" -v e="$RABBIT_STREAM_END" '$0 == b {on = 1} on {print} $0 == e {on = 0}' "$RABBIT_CONF" 2>/dev/null || true)"
  [[ $current != "$want" ]] || return 0
  can_admin_rabbit || return 0
  tmp="$(mktemp)"
  {
    [[ -f $RABBIT_CONF ]] && awk -v b="$RABBIT_STREAM_BEGIN" -v e="$RABBIT_STREAM_END" '$0 == b {skip = 1; next} $0 == e {skip = 0; next} !skip' "$RABBIT_CONF"
    printf '%s\n' "$want"
  } >"$tmp"
  chmod 644 "$tmp"
  mv "$tmp" "$RABBIT_CONF"
}

# start_rabbit : rabbitmq-server -detached, after checking it can be run here.
start_rabbit() {
  if ! command -v rabbitmq-server >/dev/null 2>&1; then
    [[ -x /usr/sbin/rabbitmq-server ]] || die "rabbitmq-server is not installed: nothing listens on $HOST:5672 and there is no rabbitmq-server to start" \
      "install it: sudo apt-get install rabbitmq-server (the package starts it; then npm run brokers:up)"
    can_admin_rabbit && die "rabbitmq-server not found on PATH (it is /usr/sbin/rabbitmq-server) and RabbitMQ is not running on $HOST:5672" \
      "PATH=/usr/sbin:\$PATH npm run brokers:up"
  fi
  can_admin_rabbit || die "RabbitMQ is not running on $HOST:5672, and starting it needs root (or the rabbitmq user)" \
    "run as root or \`sudo rabbitmq-server -detached\` (or \`sudo systemctl start rabbitmq-server\`), then npm run brokers:up again"
  local out rc=0
  out="$(mktemp)"
  # (a file, not a pipe: the detached node must not hold our stdout open)
  rabbitmq-server -detached >"$out" 2>&1 </dev/null 9>&- || rc=$?
  if ((rc)); then
    local last
    last="$(sed '/^[[:space:]]*$/d' "$out" | tail -n1)"
    rm -f "$out"
    die "rabbitmq-server -detached failed (exit status $rc)${last:+: $last}" "see $RABBIT_LOGS"
  fi
  rm -f "$out"
}

# TLS listeners of the node, with the certificates of scripts/certs.sh: AMQPS on
# 127.0.0.1:5671 and the management API over https on 127.0.0.1:15671, both
# requiring a client certificate signed by the test CA (verify_peer,
# fail_if_no_peer_cert). 5672 / 15672 stay as they are (management.tcp.* is
# written too: a management.ssl.* section alone would turn the http listener off).
# The settings are a marked block of /etc/rabbitmq/rabbitmq.conf (not conf.d: a
# node started with a RABBITMQ_CONFIG_FILE of its own, like the nodes of the
# rabbitmq-cluster deployment, must not read them); the certificates are copied
# to /etc/rabbitmq/cg-tls/ (readable by the rabbitmq user). The node is
# restarted only when the block or a certificate changed, or a TLS port is closed.
RABBIT_CONF=/etc/rabbitmq/rabbitmq.conf
RABBIT_TLS_DIR=/etc/rabbitmq/cg-tls
RABBIT_TLS_BEGIN="# --- cg brokers-up: TLS listeners (managed by scripts/brokers-up.sh; edits are overwritten) ---"
RABBIT_TLS_END="# --- cg brokers-up: end ---"

rabbit_tls_block() {
  local d=$RABBIT_TLS_DIR
  cat <<CONF
$RABBIT_TLS_BEGIN
listeners.ssl.local = $HOST:5671
ssl_options.cacertfile = $d/ca.pem
ssl_options.certfile = $d/server.pem
ssl_options.keyfile = $d/server.key
ssl_options.verify = verify_peer
ssl_options.fail_if_no_peer_cert = true
management.tcp.ip = $HOST
management.tcp.port = 15672
management.ssl.ip = $HOST
management.ssl.port = 15671
management.ssl.cacertfile = $d/ca.pem
management.ssl.certfile = $d/server.pem
management.ssl.keyfile = $d/server.key
management.ssl.verify = verify_peer
management.ssl.fail_if_no_peer_cert = true
$RABBIT_TLS_END
CONF
}

# rabbit_conf_without_block : the config file without the managed block.
rabbit_conf_without_block() {
  [[ -f $RABBIT_CONF ]] || return 0
  awk -v b="$RABBIT_TLS_BEGIN" -v e="$RABBIT_TLS_END" '$0 == b {skip = 1; next} $0 == e {skip = 0; next} !skip' "$RABBIT_CONF"
}

# rabbit_certs_current CERTS : the node's copies equal the files of scripts/certs.sh
# (the key is compared only when it can be read).
rabbit_certs_current() {
  local f
  for f in ca.pem server.pem server.key; do
    [[ -r $RABBIT_TLS_DIR/$f ]] || { [[ $f == server.key && -e $RABBIT_TLS_DIR/$f ]] && continue; return 1; }
    cmp -s "$1/$f" "$RABBIT_TLS_DIR/$f" || return 1
  done
}

# rabbit_stop : stops the node (rabbitmqctl stop waits for it) and waits for 5672 to close.
rabbit_stop() {
  timeout 60 rabbitmqctl -q stop >/dev/null 2>&1 </dev/null 9>&- || true
  local deadline=$((SECONDS + 30))
  while port_open 5672 || port_open 15672; do
    ((SECONDS < deadline)) || die "the RabbitMQ node did not stop within 30s (to restart with its TLS listeners)" "see $RABBIT_LOGS; stop it by hand (rabbitmqctl stop), then npm run brokers:up"
    sleep 1
  done
}

# up_rabbit_tls : makes sure the TLS listeners run with this checkout's certificates;
# sets RABBIT_TLS_RESTARTED=1 when it restarted the node.
RABBIT_TLS_RESTARTED=0
up_rabbit_tls() {
  local certs want current
  # not root: listeners that run are taken as they are (neither their certificates nor the config can be
  # changed without root); missing ones are an error below
  if ! can_admin_rabbit && port_open 5671 && port_open 15671; then return 0; fi
  certs="$(bash "$SCRIPT_DIR/certs.sh" 9>&-)" || die "scripts/certs.sh failed: no certificates for the RabbitMQ TLS listeners" "run bash scripts/certs.sh to see why"
  want="$(rabbit_tls_block)"
  current="$(awk -v b="$RABBIT_TLS_BEGIN" -v e="$RABBIT_TLS_END" '$0 == b {on = 1} on {print} $0 == e {on = 0}' "$RABBIT_CONF" 2>/dev/null || true)"
  if [[ $current == "$want" ]] && rabbit_certs_current "$certs" && port_open 5671 && port_open 15671; then
    return 0
  fi
  can_admin_rabbit || die "the RabbitMQ TLS listeners ($HOST:5671, https $HOST:15671) are not set up with this checkout's certificates, and that needs root (it writes $RABBIT_CONF and restarts the node)" \
    "run as root: sudo npm run brokers:up"
  mkdir -p "$RABBIT_TLS_DIR"
  cp "$certs/ca.pem" "$certs/server.pem" "$certs/server.key" "$RABBIT_TLS_DIR/"
  chown -R rabbitmq:rabbitmq "$RABBIT_TLS_DIR" 2>/dev/null || true
  chmod 755 "$RABBIT_TLS_DIR"
  chmod 644 "$RABBIT_TLS_DIR/ca.pem" "$RABBIT_TLS_DIR/server.pem"
  chmod 600 "$RABBIT_TLS_DIR/server.key"
  if [[ $current != "$want" ]]; then
    local tmp
    tmp="$(mktemp)"
    { rabbit_conf_without_block; printf '%s\n' "$want"; } >"$tmp"
    chmod 644 "$tmp"
    mv "$tmp" "$RABBIT_CONF"
  fi
  rabbit_stop
  start_rabbit
  wait_rabbit
  local deadline=$((SECONDS + 30))
  until port_open 5671 && port_open 15671; do
    ((SECONDS < deadline)) || die "RabbitMQ restarted but its TLS listeners ($HOST:5671, $HOST:15671) did not open within 30s" \
      "see $RABBIT_LOGS (a certificate file it cannot read?) and the block in $RABBIT_CONF"
    sleep 1
  done
  RABBIT_TLS_RESTARTED=1
}

# wait_amqp : waits (60 s) for an AMQP reply on 5672.
wait_amqp() {
  local deadline=$((SECONDS + 60))
  until amqp_answers; do
    if ((SECONDS >= deadline)); then
      port_open 5672 || die "RabbitMQ did not open $HOST:5672 within 60s" \
        "see $RABBIT_LOGS; as root, rabbitmq-diagnostics status tells more"
      die "$HOST:5672 accepts connections but gave no AMQP reply within 60s (held by $(port_owner 5672))" \
        "if that is not RabbitMQ, $(port_kill_hint 5672); if it is, see $RABBIT_LOGS"
    fi
    sleep 1
  done
}

# wait_rabbit : waits (60 s each) for AMQP on 5672 and then the management API on 15672.
wait_rabbit() {
  local deadline code
  wait_amqp
  deadline=$((SECONDS + 60))
  until [[ "$(mgmt_code /api/overview)" == 200 ]]; do
    if ((SECONDS >= deadline)); then
      code="$(mgmt_code /api/overview)"
      mgmt_refuse "$code"
      die "the RabbitMQ management API http://$HOST:15672/api/overview did not answer within 60s (last HTTP status $code)" "see $RABBIT_LOGS"
    fi
    sleep 1
  done
}

up_rabbitmq() {
  local how="reused" deadline pl out code nodes missing=()
  command -v curl >/dev/null 2>&1 \
    || die "curl not found on PATH (needed to check the RabbitMQ management API)" "install it: apt-get install curl"

  if ! amqp_answers; then
    if port_open 5672; then
      # RabbitMQ itself still booting (or another user's process): wait below.
      rabbit_owned 5672 || die "$HOST:5672 is in use by $(port_owner 5672), which is not RabbitMQ (no AMQP 0-9-1 reply)" \
        "$(port_kill_hint 5672); RabbitMQ must own $HOST:5672 (no option moves it; the tests connect there)"
    elif can_admin_rabbit && command -v rabbitmq-diagnostics >/dev/null 2>&1 && rabbit_ping; then
      : # the node runs but its AMQP listener is not up yet: wait below
    else
      start_rabbit
      how="started"
    fi
  fi
  wait_amqp

  # Plugins: the management API lists the running ones to anybody (guest);
  # rabbitmq-plugins (root) when the API is not up (yet).
  code="$(mgmt_code /api/overview)"
  if [[ $code == 000 ]] && ! can_admin_rabbit; then
    # RabbitMQ opens the management listener a little after AMQP.
    deadline=$((SECONDS + 15))
    while [[ $code == 000 ]] && ((SECONDS < deadline)); do
      sleep 1
      code="$(mgmt_code /api/overview)"
    done
  fi
  mgmt_refuse "$code"
  if [[ $code == 200 ]] && nodes="$(curl -fsS --max-time 5 -u guest:guest "http://$HOST:15672/api/nodes" 2>/dev/null)"; then
    for pl in "${RABBIT_PLUGINS[@]}"; do
      grep -q "\"name\":\"$pl\"" <<<"$nodes" || missing+=("$pl")
    done
  elif can_admin_rabbit; then
    for pl in "${RABBIT_PLUGINS[@]}"; do
      timeout 20 rabbitmq-plugins -q is_enabled "$pl" >/dev/null 2>&1 || missing+=("$pl")
    done
  elif [[ $code == 200 ]]; then
    die "the RabbitMQ management API does not show guest the node's plugins (GET /api/nodes failed)" \
      "give guest the administrator tag: sudo rabbitmqctl set_user_tags guest administrator"
  elif [[ $code == 000 ]]; then
    die "the RabbitMQ management API does not answer on $HOST:15672 (plugin rabbitmq_management not enabled?), and enabling plugins needs root (or the rabbitmq user)" \
      "run as root or \`sudo rabbitmq-plugins enable ${RABBIT_PLUGINS[*]}\`"
  else
    die "$HOST:15672 answered GET /api/overview with HTTP $code, not as the RabbitMQ management API (held by $(port_owner 15672))" \
      "if that is not RabbitMQ, $(port_kill_hint 15672); if it is, see $RABBIT_LOGS"
  fi
  if ((${#missing[@]})); then
    can_admin_rabbit || die "RabbitMQ plugins not enabled: ${missing[*]}; enabling them needs root (or the rabbitmq user)" \
      "run as root or \`sudo rabbitmq-plugins enable ${missing[*]}\`"
    # the stream listener's address is set before the plugin starts (online: the node keeps running)
    [[ " ${missing[*]} " != *" rabbitmq_stream "* ]] || stream_env
    if ! out="$(timeout 60 rabbitmq-plugins -q enable "${missing[@]}" 2>&1 </dev/null 9>&-)"; then
      printf '%s\n' "$out" >&2
      die "rabbitmq-plugins enable ${missing[*]} failed: $(sed '/^[[:space:]]*$/d' <<<"$out" | tail -n1)" "see the output above and $RABBIT_LOGS"
    fi
  fi

  mgmt_to_loopback
  stream_to_loopback
  stream_conf
  wait_rabbit
  up_rabbit_tls
  ((RABBIT_TLS_RESTARTED == 0)) || how="restarted (TLS listeners set up)"
  log "rabbitmq   $HOST:5672  $how (management :15672, TLS :5671 and https :15671, streams :5552${missing[*]:+, enabled ${missing[*]}})"
}

# --- Kafka (single KRaft node per version, from Maven Central jars) -----------

# up_kafka VERSION PORT CONTROLLER_PORT : scripts/kafka/kafka-up.sh does the work
# (cached jars, format, start or reuse, readiness) and prints the status line.
# Its errors are printed as brokers-up's (exit status 3: cause and hint given).
up_kafka() {
  local rc=0
  KAFKA_PROG=brokers-up "$SCRIPT_DIR/kafka/kafka-up.sh" "$@" 9>&- || rc=$?
  ((rc == 0)) && return 0
  ((rc == 3)) && exit 3
  die "scripts/kafka/kafka-up.sh $* failed (exit status $rc): Kafka $1 is not up on $HOST:$2" \
    "see the output above and .brokers/kafka/<version>/node-$2/broker.log"
}

# --- test tools: Prometheus (promtool and a server) and tmux ------------------

# need_deb COMMAND PACKAGE : installs Debian's PACKAGE when COMMAND is not on PATH.
need_deb() {
  command -v "$1" >/dev/null && return 0
  ((EUID == 0)) || die "$1 is not installed, and installing it needs root" "install it: sudo apt-get install $2 (or run npm run brokers:up as root)"
  command -v apt-get >/dev/null || die "$1 is not installed and there is no apt-get here" "install $2 so that $1 is on PATH"
  DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "$2" >/dev/null 2>&1 ||
    { DEBIAN_FRONTEND=noninteractive apt-get update >/dev/null 2>&1 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "$2" >/dev/null 2>&1; } ||
    die "apt-get install $2 failed" "run it by hand to see why: apt-get install $2"
  log "$2  installed (Debian package)"
}

# cg metrics' tests run promtool and a Prometheus server of their own (on a port of their own: the
# package's service is not used); the --watch test runs cg in tmux.
up_tools() {
  local had_prometheus=0
  command -v prometheus >/dev/null && had_prometheus=1
  need_deb promtool prometheus
  need_deb prometheus prometheus
  # the package may start its own service on :9090; the tests do not need it
  if ((!had_prometheus)) && command -v service >/dev/null; then service prometheus stop >/dev/null 2>&1 || true; fi
  need_deb tmux tmux
  log "tools      prometheus $(prometheus --version 2>&1 | awk 'NR==1{print $3}'), tmux $(tmux -V | awk '{print $2}')"
}

# --- the deployments of scripts/deploy/ -----------------------------------------

# deployments : the names of scripts/deploy/*.sh, space separated.
deployments() {
  local f names=()
  for f in "$SCRIPT_DIR"/deploy/*.sh; do [[ -f $f ]] && names+=("$(basename "$f" .sh)"); done
  printf '%s' "${names[*]}"
}

# up_deployment NAME : scripts/deploy/NAME.sh up does the work (idempotent) and prints its status line;
# it reports its own errors in the format of report_error, exit status 3.
up_deployment() {
  local rc=0
  BROKERS_DIR="$BROKERS_DIR" bash "$SCRIPT_DIR/deploy/$1.sh" up 9>&- || rc=$?
  ((rc == 0)) && return 0
  ((rc == 3)) && exit 3
  die "scripts/deploy/$1.sh up failed (exit status $rc): $1 is not up" "see the output above and the logs under .brokers/$1/"
}

# --- main ---------------------------------------------------------------------

main() {
  local want=() b
  read -r -a want <<<"$(tr ',' ' ' <<<"${CG_BROKERS:-redis}")"
  ((${#want[@]})) || want=(redis)
  for b in "${want[@]}"; do
    case "$b" in
      redis | rabbitmq | kafka | kafka-compat | tools) ;;
      *) [[ -f $SCRIPT_DIR/deploy/$b.sh ]] ||
        die "unknown broker '$b' in CG_BROKERS" "supported: redis rabbitmq kafka kafka-compat tools $(deployments), e.g. CG_BROKERS=redis,rabbitmq" ;;
    esac
  done

  [[ $REDIS_PORT =~ ^[0-9]+$ ]] || die "bad CG_REDIS_PORT '$REDIS_PORT'" "give a port number, e.g. CG_REDIS_PORT=6380"

  # Serialise concurrent runs (ports are machine-wide, so is the lock).
  # Daemons are started with fd 9 closed so they never inherit the lock.
  local lock="${TMPDIR:-/tmp}/cg-brokers.lock"
  [[ -e $lock ]] || { : >"$lock" && chmod a+r "$lock"; } 2>/dev/null || true
  # read-only fd is enough for flock, and works for any user
  { exec 9<"$lock"; } 2>/dev/null || die "cannot open the lock file $lock as user $(id -un)" "set TMPDIR to a directory you can write, or remove a stale $lock"
  flock -w 180 9 || die "timed out after 180s waiting for another brokers-up/down run (lock $lock)" \
    "wait for it to finish; \`fuser -v $lock\` shows who holds it"

  local has_redis=0 has_rabbit=0 has_kafka=0 has_kafka_compat=0
  for b in "${want[@]}"; do
    [[ $b == tools ]] && up_tools
    [[ $b == redis ]] && has_redis=1
    [[ $b == rabbitmq ]] && has_rabbit=1
    [[ $b == kafka ]] && has_kafka=1
    [[ $b == kafka-compat ]] && has_kafka_compat=1
  done
  if ((has_redis)); then
    need_redis_cli
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
  # the other deployments: each is scripts/deploy/NAME.sh (up | down), started in the order asked
  for b in "${want[@]}"; do
    [[ -f $SCRIPT_DIR/deploy/$b.sh ]] || continue
    up_deployment "$b"
  done
}

main "$@"
