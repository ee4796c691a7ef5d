#!/usr/bin/env bash
# redis-tls: a Redis of the machine (redis-server on PATH) that speaks TLS only, on 127.0.0.1:6479, with the
# test certificates of scripts/certs.sh: server.pem/server.key signed by ca.pem, client certificates
# required (tls-auth-clients yes, checked against ca.pem). No plain-text port (--port 0).
#
#   bash scripts/deploy/redis-tls.sh up     start it, or reuse the one that runs; one status line
#   bash scripts/deploy/redis-tls.sh down   stop it (idempotent)
#
# State (redis.conf, redis.pid, redis.log, dump dir) lives under $BROKERS_DIR/redis-tls/ (BROKERS_DIR
# defaults to <checkout>/.brokers). Errors: "redis-tls: ERROR: cause" + "hint: ..." on stderr, exit 3.
set -euo pipefail

SCRIPT_DIR="$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd -P)"
REPO_ROOT="$(cd -- "$SCRIPT_DIR/../.." && pwd -P)"
# shellcheck source-path=SCRIPTDIR source=../common.sh
. "$REPO_ROOT/scripts/common.sh"

NAME=redis-tls
HOST=127.0.0.1
PORT=6479
BROKERS_DIR=${BROKERS_DIR:-$REPO_ROOT/.brokers}
STATE="$BROKERS_DIR/$NAME"

die() { report_error "$NAME" "$1" "$2"; exit 3; }

# tcli ARGS... : redis-cli over TLS with the good client certificate, bounded, CR stripped.
tcli() {
  timeout 5 redis-cli --tls --cacert "$CERTS/ca.pem" --cert "$CERTS/client.pem" --key "$CERTS/client.key" \
    -h "$HOST" -p "$PORT" "$@" 2>/dev/null </dev/null | tr -d '\r'
}
tls_up() { [[ "$(tcli ping || true)" == PONG ]]; }

# our_pid : the pid in the pid file when that process still runs
our_pid() {
  local pid
  pid="$(cat "$STATE/redis.pid" 2>/dev/null || true)"
  [[ -n $pid ]] && kill -0 "$pid" 2>/dev/null && printf '%s' "$pid"
}

up() {
  command -v redis-server >/dev/null 2>&1 || die "redis-server not found on PATH" "install it: apt-get install redis-server"
  command -v redis-cli >/dev/null 2>&1 || die "redis-cli not found on PATH" "install it: apt-get install redis-tools"
  CERTS="$(bash "$REPO_ROOT/scripts/certs.sh" "$BROKERS_DIR/certs")" || die "scripts/certs.sh could not make the test certificates" "run bash scripts/certs.sh to see why"
  mkdir -p "$STATE" 2>/dev/null && [[ -w $STATE ]] || die "cannot write $STATE as user $(id -un)" "give the directory to $(id -un): sudo chown -R $(id -un) $BROKERS_DIR"

  if tls_up; then
    printf '%s %s:%s  TLS only, client certificates required  reused\n' "$NAME" "$HOST" "$PORT"
    return 0
  fi
  # another checkout's server (its own certificates, so it does not answer to ours): stop it
  local lp stopped=0 i
  if port_open "$PORT"; then
    for lp in $(listener_pids "$PORT"); do
      if [[ "$(readlink "/proc/$lp/cwd" 2>/dev/null || true)" == */.brokers/redis-tls/data ]]; then
        printf '%s: %s:%s is held by the redis-tls of another checkout (pid %s): stopping it\n' "$NAME" "$HOST" "$PORT" "$lp" >&2
        kill "$lp" 2>/dev/null || true
        stopped=1
      fi
    done
    if ((stopped)); then for ((i = 0; i < 50; i++)); do port_open "$PORT" || break; sleep 0.2; done; fi
  fi
  if port_open "$PORT"; then
    die "$HOST:$PORT is in use by $(port_owner "$PORT"), which does not answer as a Redis with the test certificates" \
      "$(port_kill_hint "$PORT"), then run CG_BROKERS=$NAME npm run brokers:up again"
  fi
  # a stale server of ours that no longer answers: stop it before starting anew
  local pid
  if pid="$(our_pid)"; then kill "$pid" 2>/dev/null || true; sleep 0.5; fi

  mkdir -p "$STATE/data"
  cat >"$STATE/redis.conf" <<CONF
bind $HOST
port 0
tls-port $PORT
tls-cert-file $CERTS/server.pem
tls-key-file $CERTS/server.key
tls-ca-cert-file $CERTS/ca.pem
tls-auth-clients yes
protected-mode no
daemonize yes
pidfile $STATE/redis.pid
logfile $STATE/redis.log
dir $STATE/data
save ""
appendonly no
CONF
  local from
  from="$(stat -c %s -- "$STATE/redis.log" 2>/dev/null || echo 0)"
  redis-server "$STATE/redis.conf" >/dev/null 2>&1 || true
  local i
  for ((i = 0; i < 50; i++)); do
    tls_up && {
      printf '%s %s:%s  TLS only, client certificates required  started\n' "$NAME" "$HOST" "$PORT"
      return 0
    }
    sleep 0.2
  done
  local why
  why="$({ tail -c "+$((from + 1))" -- "$STATE/redis.log" 2>/dev/null || true; } | grep -E -m1 'Failed|aborting|Fatal|FATAL|TLS|Can.t' | sed 's/^[^#]*# //' || true)"
  [[ -n $why ]] || why="no answer over TLS within 10 s"
  if [[ $why == *"not compiled"* || $why == *"tls-port"* ]]; then
    die "redis-server $(redis-server --version | grep -o 'v=[^ ]*') cannot serve TLS: $why" "install a redis-server built with TLS (Debian's and Ubuntu's are)"
  fi
  die "redis-server did not come up on $HOST:$PORT over TLS: $why" "see $STATE/redis.log"
}

down() {
  local pid i
  if ! pid="$(our_pid)"; then
    printf '%s %s:%s  already down\n' "$NAME" "$HOST" "$PORT"
    return 0
  fi
  kill "$pid" 2>/dev/null || true
  for ((i = 0; i < 50; i++)); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.2
  done
  kill -0 "$pid" 2>/dev/null && kill -9 "$pid" 2>/dev/null || true
  rm -f "$STATE/redis.pid"
  printf '%s %s:%s  stopped\n' "$NAME" "$HOST" "$PORT"
}

case ${1:-} in
  up) up ;;
  down) down ;;
  *) die "usage: redis-tls.sh up|down" "brokers-up and brokers-down call it with CG_BROKERS=$NAME" ;;
esac
