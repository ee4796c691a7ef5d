# shellcheck shell=bash
# Helpers shared by scripts/brokers-up.sh and scripts/kafka/*.sh (sourced, not
# executed). Everything here looks at TCP ports on 127.0.0.1 only.

# report_error PROG CAUSE HINT : the one error format of the broker scripts,
# on stderr: "PROG: ERROR: CAUSE" then "hint: HINT" (what to do about it).
report_error() {
  printf '%s: ERROR: %s\n' "$1" "$2" >&2
  [[ -z ${3:-} ]] || printf 'hint: %s\n' "$3" >&2
}

# port_open PORT : a TCP connect to 127.0.0.1:PORT succeeds (bounded).
# shellcheck disable=SC2016 # $0 expands in the inner bash
port_open() { timeout 2 bash -c 'exec 3<>"/dev/tcp/127.0.0.1/$0"' "$1" 2>/dev/null; }

# listener_pids PORT : pids listening on TCP PORT (needs ss; empty when
# unknown: no ss, or a process of another user looked at without root).
listener_pids() {
  command -v ss >/dev/null 2>&1 || return 0
  ss -Hltnp "sport = :$1" 2>/dev/null | grep -o 'pid=[0-9]*' | cut -d= -f2 | sort -u || true
}

# port_owner PORT : who listens on TCP PORT, for messages: "node (pid 123)",
# "a process of another user (...)" or "an unknown process (...)".
port_owner() {
  command -v ss >/dev/null 2>&1 || { printf 'an unknown process (ss is not installed)'; return 0; }
  local lines users
  lines="$(ss -Hltnp "sport = :$1" 2>/dev/null || true)"
  [[ -n $lines ]] || { printf 'an unknown process'; return 0; }
  users="$(grep -o '("[^"]*",pid=[0-9]*' <<<"$lines" | sed 's/^("\([^"]*\)",pid=\([0-9]*\)$/\1 (pid \2)/' | sort -u | paste -sd, - | sed 's/,/, /g' || true)"
  if [[ -n $users ]]; then
    printf '%s' "$users"
  else
    printf 'a process of another user (run as root to see which)'
  fi
}

# port_kill_hint PORT : "kill 123" style advice for the processes on PORT, or
# a generic one when they are not known.
port_kill_hint() {
  local pids
  pids="$(listener_pids "$1" | paste -sd' ' - || true)"
  if [[ -n $pids ]]; then
    printf 'stop that process (kill %s)' "$pids"
  else
    printf 'stop the process that listens on 127.0.0.1:%s (sudo ss -ltnp "sport = :%s" shows it)' "$1" "$1"
  fi
}
