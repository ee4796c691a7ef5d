#!/usr/bin/env bash
# redis-sentinel: a Redis master, one replica and three Sentinels watching them as `cg-master`, all of the
# machine's redis-server (sentinels are `redis-server CONF --sentinel`), loopback only:
#
#   master 127.0.0.1:6480, replica 127.0.0.1:6481 (after a failover the roles swap: either may be the master)
#   sentinels 127.0.0.1:26380, 26381, 26382 (quorum 2, down-after 3 s, failover-timeout 6 s)
#
# and the same again over TLS only (the "tls" set, certificates of scripts/certs.sh, client certificates
# required on every node and sentinel, replication and sentinel links over TLS too):
#
#   master 127.0.0.1:6490, replica 127.0.0.1:6491, sentinels 127.0.0.1:26390, 26391, 26392, master name cg-master
#
#   bash scripts/deploy/redis-sentinel.sh up             start both sets, or reuse what runs; a status line each
#   bash scripts/deploy/redis-sentinel.sh down           stop the ten processes (configs kept: `up` restarts them)
#   bash scripts/deploy/redis-sentinel.sh failover [tls] SENTINEL FAILOVER cg-master, then wait until every
#                                                        sentinel names the new master and the old one replicates from it
#   bash scripts/deploy/redis-sentinel.sh master [tls]   print the port of the current master
#
# `up` is idempotent: a healthy set (both data nodes up, one master and one replica linked to it, every
# sentinel naming that master and knowing the two others) is reused; stopped processes are started again from
# their config files (which Redis and Sentinel rewrite on failover: the roles survive a restart); anything
# else is wiped and created anew from the templates. State lives under $BROKERS_DIR/redis-sentinel/ (node-PORT/
# and sentinel-PORT/ with their conf, log, pid; the tls set under tls/). Errors: "redis-sentinel: ERROR: cause" + "hint: ..." on
# stderr, exit 3.
set -euo pipefail

SCRIPT_DIR="$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd -P)"
REPO_ROOT="$(cd -- "$SCRIPT_DIR/../.." && pwd -P)"
# shellcheck source-path=SCRIPTDIR source=../common.sh
. "$REPO_ROOT/scripts/common.sh"

NAME=redis-sentinel
HOST=127.0.0.1
MASTER_NAME=cg-master
QUORUM=2
DOWN_AFTER_MS=3000
FAILOVER_TIMEOUT_MS=6000
BROKERS_DIR=${BROKERS_DIR:-$REPO_ROOT/.brokers}
STATE="$BROKERS_DIR/$NAME"
CERTS="$BROKERS_DIR/certs"

# use_set plain|tls : the ports, directory and redis-cli options of one set
NODES=() SENTINELS=() SET=plain SET_DIR=$STATE TLS_ARGS=()
use_set() {
  SET=$1
  if [[ $SET == tls ]]; then
    NODES=(6490 6491) SENTINELS=(26390 26391 26392) SET_DIR="$STATE/tls"
    TLS_ARGS=(--tls --cacert "$CERTS/ca.pem" --cert "$CERTS/client.pem" --key "$CERTS/client.key")
  else
    NODES=(6480 6481) SENTINELS=(26380 26381 26382) SET_DIR=$STATE TLS_ARGS=()
  fi
}
use_set plain

die() { report_error "$NAME" "$1" "$2"; exit 3; }
log() { printf '%s\n' "$*"; }

# rcli PORT ARGS... : redis-cli against loopback, bounded, CR stripped, errors swallowed.
rcli() {
  local port=$1; shift
  timeout 5 redis-cli "${TLS_ARGS[@]}" -h "$HOST" -p "$port" "$@" 2>/dev/null </dev/null | tr -d '\r'
}
answers() { [[ "$(rcli "$1" ping || true)" == PONG ]]; }
info_field() { rcli "$1" info "$2" | sed -n "s/^$3://p" | head -n1 || true; }

node_dir() { printf '%s/node-%s' "$SET_DIR" "$1"; }
sentinel_dir() { printf '%s/sentinel-%s' "$SET_DIR" "$1"; }
all_ports() { printf '%s\n' "${NODES[@]}" "${SENTINELS[@]}"; }
dir_of() {
  local p
  for p in "${NODES[@]}"; do [[ $p == "$1" ]] && { node_dir "$1"; return; }; done
  sentinel_dir "$1"
}
conf_of() {
  local p
  for p in "${NODES[@]}"; do [[ $p == "$1" ]] && { printf '%s/redis.conf' "$(node_dir "$1")"; return; }; done
  printf '%s/sentinel.conf' "$(sentinel_dir "$1")"
}
is_sentinel() { [[ $1 == 263* ]]; }

# our_pid PORT : the pid in that process's pid file while it still runs
our_pid() {
  local pid
  pid="$(cat "$(dir_of "$1")/redis.pid" 2>/dev/null || true)"
  [[ -n $pid ]] && kill -0 "$pid" 2>/dev/null && printf '%s' "$pid"
}

# master_of_sentinel PORT : "HOST PORT" of cg-master as that sentinel sees it (empty when it does not know)
master_of_sentinel() { rcli "$1" sentinel get-master-addr-by-name "$MASTER_NAME" | paste -sd' ' - || true; }

# the data node that is the master now (empty when none or two claim it)
current_master() {
  local p found=()
  for p in "${NODES[@]}"; do [[ "$(info_field "$p" replication role)" == master ]] && found+=("$p"); done
  ((${#found[@]} == 1)) && printf '%s' "${found[0]}"
  return 0
}

# healthy : one master, the other node a replica linked to it, every sentinel naming it, each knowing the
# two other sentinels and the replica, and none seeing the master down.
healthy() {
  local m p s info
  m="$(current_master)"
  [[ -n $m ]] || return 1
  for p in "${NODES[@]}"; do
    [[ $p == "$m" ]] && continue
    info="$(rcli "$p" info replication)"
    grep -qx 'role:slave' <<<"$info" || return 1
    grep -qx "master_port:$m" <<<"$info" || return 1
    grep -qx 'master_link_status:up' <<<"$info" || return 1
  done
  for s in "${SENTINELS[@]}"; do
    [[ "$(master_of_sentinel "$s")" == "$HOST $m" ]] || return 1
    info="$(rcli "$s" sentinel master "$MASTER_NAME" | paste -sd' ' -)"
    [[ " $info " == *" flags master "* ]] || return 1
    [[ " $info " == *" num-other-sentinels $((${#SENTINELS[@]} - 1)) "* ]] || return 1
    [[ " $info " == *" num-slaves $((${#NODES[@]} - 1)) "* ]] || return 1
  done
  # the replica must be one a failover can pick: link up as the sentinels see it
  info="$(rcli "${SENTINELS[0]}" sentinel replicas "$MASTER_NAME" | paste -sd' ' -)"
  [[ " $info " == *" master-link-status ok "* && " $info " != *"s_down"* && " $info " != *"disconnected"* ]] || return 1
}

# wait_healthy SECONDS : 1 on timeout
wait_healthy() {
  local i
  for ((i = 0; i < $1 * 4; i++)); do
    healthy && return 0
    sleep 0.25
  done
  return 1
}

# refuse_foreign PORT : die when PORT is held by something that is not one of our processes
refuse_foreign() {
  local port=$1 pid owners
  port_open "$port" || return 0
  pid="$(our_pid "$port" || true)"
  owners="$(listener_pids "$port" | paste -sd' ' - || true)"
  [[ -n $pid && " $owners " == *" $pid "* ]] && return 0
  # no ss (or another user's process): a live pid file of ours and an answer on the port will do
  [[ -n $pid && -z $owners ]] && answers "$port" && return 0
  die "$HOST:$port is in use by $(port_owner "$port"), which is not this deployment's Redis" \
    "$(port_kill_hint "$port"), then run CG_BROKERS=$NAME npm run brokers:up again (the ports of redis-sentinel are fixed)"
}

start_one() {
  local port=$1 conf out
  conf="$(conf_of "$port")"
  if is_sentinel "$port"; then
    out="$(redis-server "$conf" --sentinel 2>&1 </dev/null 9>&-)" || die "redis-server --sentinel failed to start on $HOST:$port: $(tail -n1 <<<"$out")" "see $(dir_of "$port")/redis.log"
  else
    out="$(redis-server "$conf" 2>&1 </dev/null 9>&-)" || die "redis-server failed to start on $HOST:$port: $(tail -n1 <<<"$out")" "see $(dir_of "$port")/redis.log"
  fi
}

wait_answers() {
  local port=$1 i why
  for ((i = 0; i < 75; i++)); do
    answers "$port" && return 0
    sleep 0.2
  done
  why="$(grep -E 'Failed|aborting|Fatal|FATAL|Can.t' "$(dir_of "$port")/redis.log" 2>/dev/null | tail -n1 | sed 's/^[^#]*# //' || true)"
  die "redis-server on $HOST:$port did not answer PING within 15 s${why:+: $why}" "see $(dir_of "$port")/redis.log"
}

stop_one() {
  local port=$1 pid i
  pid="$(our_pid "$port" || true)"
  if [[ -z $pid ]]; then
    # not started by us (or its pid file is gone): a Redis that answers is stopped by SHUTDOWN
    answers "$port" && { rcli "$port" shutdown nosave >/dev/null || true; }
    return 0
  fi
  kill "$pid" 2>/dev/null || true
  for ((i = 0; i < 50; i++)); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.2
  done
  kill -0 "$pid" 2>/dev/null && kill -9 "$pid" 2>/dev/null || true
  rm -f "$(dir_of "$port")/redis.pid"
}

# listen PORT : the config lines that open PORT (plain, or TLS only with client certificates required)
listen() {
  if [[ $SET != tls ]]; then
    printf 'port %s' "$1"
    return
  fi
  printf '%s\n' "port 0" "tls-port $1" "tls-replication yes" "tls-auth-clients yes" \
    "tls-cert-file $CERTS/server.pem" "tls-key-file $CERTS/server.key" "tls-ca-cert-file $CERTS/ca.pem" \
    "tls-client-cert-file $CERTS/client.pem" "tls-client-key-file $CERTS/client.key"
}

write_configs() {
  local p d m=${NODES[0]}
  for p in "${NODES[@]}"; do
    d="$(node_dir "$p")"
    mkdir -p "$d"
    cat >"$d/redis.conf" <<CONF
# written by scripts/deploy/redis-sentinel.sh; Sentinel rewrites it on failover (replicaof)
bind $HOST
$(listen "$p")
protected-mode no
daemonize yes
pidfile $d/redis.pid
logfile $d/redis.log
dir $d
save ""
appendonly no
repl-diskless-sync yes
repl-diskless-sync-delay 0
repl-diskless-load swapdb
CONF
    [[ $p == "$m" ]] || printf 'replicaof %s %s\n' "$HOST" "$m" >>"$d/redis.conf"
  done
  # the template of every sentinel's config: Sentinel rewrites its copy (ids, known peers, the current
  # master), so the copies are made from it only when the set is created anew
  cat >"$SET_DIR/sentinel.conf.template" <<CONF
# written by scripts/deploy/redis-sentinel.sh from this template; Sentinel rewrites it as it runs
bind $HOST
$(listen @PORT@)
protected-mode no
daemonize yes
pidfile @DIR@/redis.pid
logfile @DIR@/redis.log
dir @DIR@
sentinel resolve-hostnames no
sentinel monitor $MASTER_NAME $HOST $m $QUORUM
sentinel down-after-milliseconds $MASTER_NAME $DOWN_AFTER_MS
sentinel failover-timeout $MASTER_NAME $FAILOVER_TIMEOUT_MS
sentinel parallel-syncs $MASTER_NAME 1
CONF
  for p in "${SENTINELS[@]}"; do
    d="$(sentinel_dir "$p")"
    mkdir -p "$d"
    sed -e "s|@PORT@|$p|g" -e "s|@DIR@|$d|g" "$SET_DIR/sentinel.conf.template" >"$d/sentinel.conf"
  done
}

create() {
  local p
  for p in $(all_ports); do stop_one "$p"; done
  for p in $(all_ports); do rm -rf "$(dir_of "$p")"; done
  rm -f "$SET_DIR/sentinel.conf.template"
  mkdir -p "$SET_DIR"
  write_configs
  for p in "${NODES[@]}"; do start_one "$p"; done
  for p in "${NODES[@]}"; do wait_answers "$p"; done
  for p in "${SENTINELS[@]}"; do start_one "$p"; done
  for p in "${SENTINELS[@]}"; do wait_answers "$p"; done
}

status_line() {
  local m
  m="$(current_master)"
  local what=$NAME
  [[ $SET == tls ]] && what+=" tls"
  log "$what $HOST:$(IFS=,; echo "${NODES[*]}") (master $m) sentinels ${SENTINELS[0]}-${SENTINELS[-1]} ($MASTER_NAME)  $1"
}

up() {
  command -v redis-server >/dev/null 2>&1 || die "redis-server not found on PATH" "install it: apt-get install redis-server"
  command -v redis-cli >/dev/null 2>&1 || die "redis-cli not found on PATH" "install it: apt-get install redis-tools"
  mkdir -p "$STATE" 2>/dev/null && [[ -w $STATE ]] || die "cannot write $STATE as user $(id -un)" "give the directory to $(id -un): sudo chown -R $(id -un) $BROKERS_DIR"
  bash "$REPO_ROOT/scripts/certs.sh" "$CERTS" >/dev/null || die "scripts/certs.sh could not make the test certificates" "run bash scripts/certs.sh to see why"
  use_set plain
  up_set
  use_set tls
  up_set
}

up_set() {
  mkdir -p "$SET_DIR"
  local p
  for p in $(all_ports); do refuse_foreign "$p"; done

  if healthy; then
    status_line reused
    return 0
  fi
  # stopped processes of a set made before: start them from their (rewritten) configs
  local have=1 stopped=()
  for p in $(all_ports); do [[ -f "$(conf_of "$p")" ]] || have=0; done
  if ((have)); then
    for p in $(all_ports); do answers "$p" || stopped+=("$p"); done
    for p in "${stopped[@]}"; do start_one "$p"; done
    for p in "${stopped[@]}"; do wait_answers "$p"; done
    if wait_healthy 20; then
      status_line "$( ((${#stopped[@]})) && echo "restarted ${stopped[*]}" || echo reused)"
      return 0
    fi
  fi
  create
  wait_healthy 30 || die "the set did not become healthy within 30 s of its creation (master, replica linked, 3 sentinels agreeing)" \
    "see the logs under $SET_DIR/*/redis.log"
  status_line started
}

down() {
  use_set plain
  down_set
  use_set tls
  down_set
}

down_set() {
  local p stopped=() already=()
  for p in $(all_ports); do
    if [[ -n "$(our_pid "$p" || true)" ]] || answers "$p"; then
      stop_one "$p"
      stopped+=("$p")
    else
      already+=("$p")
    fi
  done
  local what=$NAME
  [[ $SET == tls ]] && what+=" tls"
  log "$what  stopped: ${stopped[*]:-none}; already down: ${already[*]:-none}"
}

# failover : SENTINEL FAILOVER through the first sentinel that takes it, then wait for the new roles
failover() {
  local before after s out=""
  healthy || wait_healthy 20 || die "the set is not healthy: no failover forced" "run CG_BROKERS=$NAME npm run brokers:up"
  before="$(current_master)"
  for s in "${SENTINELS[@]}"; do
    out="$(rcli "$s" sentinel failover "$MASTER_NAME" || true)"
    [[ $out == OK ]] && break
  done
  [[ $out == OK ]] || die "SENTINEL FAILOVER $MASTER_NAME was refused: ${out:-no answer}" "see $STATE/sentinel-*/redis.log"
  local i
  for ((i = 0; i < 120; i++)); do
    after="$(current_master)"
    if [[ -n $after && $after != "$before" ]] && healthy; then
      log "$NAME failover: master $before -> $after"
      return 0
    fi
    sleep 0.25
  done
  die "the failover from $before did not finish within 30 s" "see $STATE/sentinel-*/redis.log"
}

case ${2:-plain} in
  plain | tls) use_set "${2:-plain}" ;;
  *) die "unknown set '$2'" "give tls, or nothing for the plain-text set" ;;
esac
case ${1:-} in
  up) up ;;
  down) down ;;
  failover) failover ;;
  master) current_master; echo ;;
  *) die "usage: redis-sentinel.sh up|down|failover [tls]|master [tls]" "brokers-up and brokers-down call it with CG_BROKERS=$NAME" ;;
esac
