#!/usr/bin/env bash
# The RabbitMQ cluster of the tests: three nodes of the machine's installed RabbitMQ, on loopback only.
#
#   bash scripts/deploy/rabbitmq-cluster.sh up | down | stop-node N | start-node N | status
#
#   node N (1..3)  name cgN@localhost, AMQP 127.0.0.1:567(2+N), management http://127.0.0.1:1567(2+N),
#                  Erlang distribution 127.0.0.1:2567(2+N) (the machine's node keeps 5672/15672/25672)
#
# State lives under $BROKERS_DIR/rabbitmq-cluster/ (default <checkout>/.brokers): nodeN/{rabbitmq.conf,
# enabled_plugins,mnesia,log}, and home/.erlang.cookie, the cookie the three nodes share (the machine
# node's cookie is not touched: every command here runs with HOME pointing there).
# `up` is idempotent: running nodes are reused, stopped ones started, a node that lost the cluster (its
# data wiped, or reset) is joined again; it prints one status line. `down` stops the three nodes (data
# kept). stop-node / start-node stop and start one node (tests of a node down).
# Guest may log in from loopback only (RabbitMQ's default), as on the machine's node.
# Errors: "rabbitmq-cluster: ERROR: cause" and "hint: ..." on stderr, exit status 3.
set -euo pipefail

SCRIPT_DIR="$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd -P)"
REPO_ROOT="$(cd -- "$SCRIPT_DIR/../.." && pwd -P)"
# shellcheck source-path=SCRIPTDIR source=../common.sh
. "$SCRIPT_DIR/../common.sh"
PROG=rabbitmq-cluster
BROKERS_DIR=${BROKERS_DIR:-$REPO_ROOT/.brokers}
DIR="$BROKERS_DIR/rabbitmq-cluster"
NODES=(1 2 3)

die() { report_error "$PROG" "$1" "$2"; exit 3; }
amqp_port() { echo $((5672 + $1)); }
mgmt_port() { echo $((15672 + $1)); }
dist_port() { echo $((25672 + $1)); }
node_name() { echo "cg$1@localhost"; }
node_dir() { echo "$DIR/node$1"; }

# The real RabbitMQ scripts (Debian's /usr/sbin ones are wrappers that su to the rabbitmq user, which
# would lose HOME and with it this cluster's cookie).
find_sbin() {
  if [[ -x /usr/lib/rabbitmq/bin/rabbitmq-server ]]; then
    SBIN=/usr/lib/rabbitmq/bin
  elif command -v rabbitmq-server >/dev/null 2>&1; then
    SBIN="$(dirname -- "$(readlink -f -- "$(command -v rabbitmq-server)")")"
  else
    die "rabbitmq-server is not installed" "install it: sudo apt-get install rabbitmq-server (the cluster runs three more nodes of it)"
  fi
  [[ -x $SBIN/rabbitmqctl ]] || die "no rabbitmqctl next to $SBIN/rabbitmq-server" "reinstall rabbitmq-server"
}

# node_env N : the environment of node N (for the server and for the CLI tools talking to it).
node_env() {
  local d
  d="$(node_dir "$1")"
  export HOME="$DIR/home"
  export RABBITMQ_CONF_ENV_FILE="$DIR/rabbitmq-env.conf"
  export RABBITMQ_NODENAME
  RABBITMQ_NODENAME="$(node_name "$1")"
  export RABBITMQ_NODE_IP_ADDRESS=127.0.0.1
  export RABBITMQ_NODE_PORT
  RABBITMQ_NODE_PORT="$(amqp_port "$1")"
  export RABBITMQ_DIST_PORT
  RABBITMQ_DIST_PORT="$(dist_port "$1")"
  export RABBITMQ_CONFIG_FILE="$d/rabbitmq.conf"
  export RABBITMQ_ADVANCED_CONFIG_FILE="$d/advanced.config"
  export RABBITMQ_ENABLED_PLUGINS_FILE="$d/enabled_plugins"
  export RABBITMQ_MNESIA_BASE="$d/mnesia"
  export RABBITMQ_MNESIA_DIR="$d/mnesia/$RABBITMQ_NODENAME"
  export RABBITMQ_LOG_BASE="$d/log"
  export RABBITMQ_PID_FILE="$d/rabbit.pid"
  export ERL_EPMD_ADDRESS=127.0.0.1
  export RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS="-kernel inet_dist_use_interface {127,0,0,1}"
}

# ctl N ARGS... : rabbitmqctl against node N (bounded).
ctl() {
  local n=$1; shift
  (node_env "$n" && timeout 90 "$SBIN/rabbitmqctl" -n "$(node_name "$n")" "$@" </dev/null 9>&-)
}

# running N : node N answers on the Erlang distribution (its pid is alive and it pings).
running() {
  local pidf
  pidf="$(node_dir "$1")/rabbit.pid"
  [[ -s $pidf ]] && kill -0 "$(cat "$pidf")" 2>/dev/null || return 1
  (node_env "$1" && timeout 20 "$SBIN/rabbitmq-diagnostics" -q -n "$(node_name "$1")" ping >/dev/null 2>&1 </dev/null 9>&-)
}

prepare() {
  mkdir -p "$DIR/home" || die "cannot create $DIR as user $(id -un)" "run as the owner of $BROKERS_DIR (or root)"
  if [[ ! -s $DIR/home/.erlang.cookie ]]; then
    (umask 077 && head -c 64 /dev/urandom | tr -dc 'A-Z' | head -c 20 >"$DIR/home/.erlang.cookie")
    [[ -s $DIR/home/.erlang.cookie ]] || printf 'CGCLUSTERCOOKIEXYZAB' >"$DIR/home/.erlang.cookie"
  fi
  chmod 400 "$DIR/home/.erlang.cookie"
  [[ -e $DIR/rabbitmq-env.conf ]] || : >"$DIR/rabbitmq-env.conf"
  local n d
  for n in "${NODES[@]}"; do
    d="$(node_dir "$n")"
    mkdir -p "$d/mnesia" "$d/log"
    # written aside (a name of this process) and moved in when it changed: a node booting next to us
    # never reads a half-written file, and two start-node runs at once do not trip over each other
    cat >"$d/rabbitmq.conf.$$" <<EOF
# node $n of the test cluster (scripts/deploy/rabbitmq-cluster.sh); AMQP on 127.0.0.1:$(amqp_port "$n") (environment)
management.tcp.ip = 127.0.0.1
management.tcp.port = $(mgmt_port "$n")
cluster_name = cg-cluster
loopback_users.guest = true
# the management API samples every second (5 s by default): the tests wait less
collect_statistics_interval = 1000
EOF
    echo '[rabbitmq_management].' >"$d/enabled_plugins.$$"
    local f
    for f in rabbitmq.conf enabled_plugins; do
      if cmp -s "$d/$f.$$" "$d/$f"; then rm -f "$d/$f.$$"; else mv -f "$d/$f.$$" "$d/$f"; fi
    done
  done
}

# check_ports N : die when a port of node N is held by something else while node N is down.
check_ports() {
  local p
  for p in "$(amqp_port "$1")" "$(mgmt_port "$1")" "$(dist_port "$1")"; do
    port_open "$p" && die "127.0.0.1:$p (node $(node_name "$1")) is in use by $(port_owner "$p")" "$(port_kill_hint "$p"); the cluster's ports are fixed"
  done
  return 0
}

start_node() {
  local n=$1 d
  d="$(node_dir "$n")"
  check_ports "$n"
  rm -f "$d/rabbit.pid"
  (node_env "$n" && "$SBIN/rabbitmq-server" -detached >"$d/log/start.out" 2>&1 </dev/null 9>&-) ||
    die "rabbitmq-server -detached failed for node $(node_name "$n")" "see $d/log/start.out and $d/log/"
}

# await N : waits until node N has booted (it may wait for its peers' tables: started together).
await_node() {
  local n=$1 deadline=$((SECONDS + 120))
  # await_startup fails at once while the node is not yet reachable: ask again until the deadline
  until ctl "$n" -q await_startup --timeout 120 >/dev/null 2>&1; do
    ((SECONDS < deadline)) || die "node $(node_name "$n") did not finish booting within 120 s" "see $(node_dir "$n")/log/ ($(node_name "$n").log)"
    sleep 1
  done
}

# cluster_status N : node N's `cluster_status` as one line of JSON (cached: each CLI call costs a second).
declare -A STATUS=()
cluster_status() {
  [[ -n ${STATUS[$1]:-} ]] || STATUS[$1]="$(ctl "$1" -q cluster_status --formatter json 2>/dev/null | tr -d '\n ' || true)"
  printf '%s' "${STATUS[$1]}"
}

# members N : the disk nodes node N knows, one a line.
members() { cluster_status "$1" | grep -o '"disk_nodes":\[[^]]*\]' | grep -o 'cg[0-9]@localhost' | sort -u || true; }

# running_members N : the cluster's nodes running, as node N sees them.
running_members() { cluster_status "$1" | grep -o '"running_nodes":\[[^]]*\]' | grep -o 'cg[0-9]@localhost' | sort -u || true; }

# join N SEED : node N (running, outside SEED's cluster) joins it, after SEED forgets a stale N.
join() {
  local n=$1 seed=$2
  if members "$seed" | grep -qx "$(node_name "$n")"; then
    ctl "$seed" -q forget_cluster_node "$(node_name "$n")" >/dev/null 2>&1 || true
  fi
  ctl "$n" -q stop_app >/dev/null
  ctl "$n" -q reset >/dev/null
  ctl "$n" -q join_cluster "$(node_name "$seed")" >/dev/null 2>"$(node_dir "$n")/log/join.err" ||
    die "node $(node_name "$n") could not join $(node_name "$seed"): $(tail -n1 "$(node_dir "$n")/log/join.err")" "see $(node_dir "$n")/log/; or wipe the cluster: bash scripts/deploy/rabbitmq-cluster.sh down && rm -rf $DIR"
  ctl "$n" -q start_app >/dev/null
  await_node "$n"
  STATUS=()
}

# cluster_ok : every node's process lives and node 1's management API lists the three nodes running.
cluster_ok() {
  local n pidf
  for n in "${NODES[@]}"; do
    pidf="$(node_dir "$n")/rabbit.pid"
    [[ -s $pidf ]] && kill -0 "$(cat "$pidf")" 2>/dev/null || return 1
  done
  curl -fsS --max-time 5 -u guest:guest "http://127.0.0.1:$(mgmt_port 1)/api/nodes?columns=name,running" 2>/dev/null |
    node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{const up=JSON.parse(s).filter(n=>n.running).map(n=>n.name);process.exit(["cg1@localhost","cg2@localhost","cg3@localhost"].every(n=>up.includes(n))?0:1)})' 2>/dev/null
}

up() {
  find_sbin
  prepare
  if cluster_ok; then
    printf 'rabbitmq-cluster 127.0.0.1:5673,5674,5675 management 15673-15675 (cg1..cg3@localhost)  reused\n'
    return
  fi
  local n started=() joined=()
  for n in "${NODES[@]}"; do
    running "$n" && continue
    start_node "$n"
    started+=("$n")
  done
  for n in "${started[@]}"; do await_node "$n"; done
  # the seed: the node that knows the most members (node 1 on a tie); the others join it when not in
  local seed=1 best=0 c
  for n in "${NODES[@]}"; do cluster_status "$n" >/dev/null; done
  for n in "${NODES[@]}"; do
    c="$(members "$n" | wc -l)"
    if ((c > best)); then best=$c seed=$n; fi
  done
  for n in "${NODES[@]}"; do
    ((n == seed)) && continue
    if ! members "$n" | grep -qx "$(node_name "$seed")" || ! running_members "$seed" | grep -qx "$(node_name "$n")"; then
      join "$n" "$seed"
      joined+=("$n")
    fi
  done
  # every node answers on its management port
  local deadline=$((SECONDS + 60))
  for n in "${NODES[@]}"; do
    until [[ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 3 -u guest:guest "http://127.0.0.1:$(mgmt_port "$n")/api/overview" 2>/dev/null || true)" == 200 ]]; do
      ((SECONDS < deadline)) || die "the management API of $(node_name "$n") on 127.0.0.1:$(mgmt_port "$n") did not answer within 60 s" "see $(node_dir "$n")/log/"
      sleep 1
    done
  done
  local how=reused
  ((${#started[@]} == 3)) && how=started
  ((${#started[@]} > 0 && ${#started[@]} < 3)) && how="ok (started ${started[*]/#/cg})"
  ((${#joined[@]})) && how+=", joined ${joined[*]/#/cg}"
  printf 'rabbitmq-cluster 127.0.0.1:5673,5674,5675 management 15673-15675 (cg1..cg3@localhost)  %s\n' "$how"
}

stop_node() {
  local n=$1 pidf pid
  pidf="$(node_dir "$n")/rabbit.pid"
  [[ -s $pidf ]] && pid="$(cat "$pidf")" || pid=""
  [[ -n $pid ]] && kill -0 "$pid" 2>/dev/null || return 1
  ctl "$n" -q shutdown >/dev/null 2>&1 || true
  local i
  for ((i = 0; i < 100; i++)); do
    kill -0 "$pid" 2>/dev/null || return 0
    sleep 0.2
  done
  kill "$pid" 2>/dev/null || true
  return 0
}

down() {
  find_sbin
  local n stopped=() already=() pids=()
  # the three at once (each waits for its own process to end)
  for n in "${NODES[@]}"; do
    stop_node "$n" &
    pids+=($!)
  done
  for n in "${NODES[@]}"; do
    if wait "${pids[n - 1]}"; then stopped+=("cg$n"); else already+=("cg$n"); fi
  done
  printf 'rabbitmq-cluster  stopped: %s; already down: %s\n' "${stopped[*]:-none}" "${already[*]:-none}"
}

node_arg() {
  [[ ${1:-} =~ ^[123]$ ]] || die "give a node number 1, 2 or 3 (got '${1:-}')" "bash scripts/deploy/rabbitmq-cluster.sh stop-node 2"
}

case "${1:-}" in
  up) up ;;
  down) down ;;
  stop-node)
    node_arg "${2:-}"
    find_sbin
    if stop_node "$2"; then echo "rabbitmq-cluster  cg$2 stopped"; else echo "rabbitmq-cluster  cg$2 already down"; fi
    ;;
  start-node)
    node_arg "${2:-}"
    find_sbin
    prepare
    if running "$2"; then
      echo "rabbitmq-cluster  cg$2 running"
    else
      start_node "$2"
      await_node "$2"
      echo "rabbitmq-cluster  cg$2 started"
    fi
    ;;
  status)
    find_sbin
    for n in "${NODES[@]}"; do
      if running "$n"; then echo "cg$n running: $(running_members "$n" | paste -sd' ' -)"; else echo "cg$n down"; fi
    done
    ;;
  *) die "usage: rabbitmq-cluster.sh up | down | stop-node N | start-node N | status" "brokers-up calls it with up (CG_BROKERS=rabbitmq-cluster npm run brokers:up)" ;;
esac
