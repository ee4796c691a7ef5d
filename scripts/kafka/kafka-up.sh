#!/usr/bin/env bash
# Start (or reuse) a single-node Apache Kafka (KRaft, combined broker+controller)
# on loopback, from Maven Central jars.
#
#   scripts/kafka/kafka-up.sh VERSION PORT CONTROLLER_PORT
#   e.g. scripts/kafka/kafka-up.sh 4.3.1 9092 9093   (VERSION may be latest|compat)
#
# Listens on 127.0.0.1:PORT (PLAINTEXT) and 127.0.0.1:CONTROLLER_PORT (KRaft).
# 4.x also listens on (ports relative to PORT; for the `kafka` deployment, 9092):
#   PORT+2 9094  SASL_PLAINTEXT  PLAIN cg/cg-secret, SCRAM-SHA-256/512 cg-scram/cg-secret
#   PORT+3 9095  SSL             server.pem of scripts/certs.sh (DNS:localhost, IP:127.0.0.1)
#   PORT+4 9096  SSL + client certificate required (mTLS: client.pem, signed by ca.pem)
#   PORT+5 9097  SASL_SSL        SCRAM-SHA-256/512 cg-scram/cg-secret; OAUTHBEARER as on 9098
#   PORT+6 9098  SASL_PLAINTEXT  OAUTHBEARER, Kafka's unsecured JWT validator (tokens with
#                                alg "none", a `sub` and an `exp`); re-authentication on
#                                (connections.max.reauth.ms 60 s, or the token's exp if sooner)
#   PORT+7 9099  SSL             an expired server certificate (server-expired.pem)
# The certificates come from scripts/certs.sh (.brokers/certs; PEM key stores).
# State lives in .brokers/kafka/VERSION/{libs,node-PORT,data-PORT}.
# Idempotent: a healthy broker (pid alive, log says "Kafka Server started",
# 127.0.0.1:PORT answers a Kafka ApiVersions request) is reused; a stale pid
# file or a half-started / wedged broker is killed and restarted; a data dir
# that will not start any more is wiped and re-formatted, saying so. (After a
# kill -9 the restart takes ~10 s more: the controller refuses the new broker
# registration until the old one's broker.session.timeout.ms, 9 s, expires.)
# Prints one status line on stdout; notes and errors go to stderr. An error is
# "kafka-up: ERROR: <cause>" + "hint: <what to do>", exit status 3 (no or too
# old java, no mvn, Maven Central unreachable, a port held by another program,
# ...); scripts/brokers-up.sh runs this with KAFKA_PROG=brokers-up, so the
# messages carry its name.
# Env: KAFKA_START_TIMEOUT (seconds, default 90), KAFKA_HEAP_OPTS
#      (default "-Xms256m -Xmx512m").
# Cluster mode (scripts/deploy/kafka-cluster.sh), when KAFKA_VOTERS is set: this is one node of a
# multi-node KRaft cluster. KAFKA_VOTERS is its controller.quorum.voters (ID@HOST:PORT,...), KAFKA_NODE_ID
# its node.id, KAFKA_RF the replication factor of the topics (default 3; min.insync.replicas RF-1), state
# under KAFKA_NODES_DIR/{node,data}-PORT (default .brokers/kafka/VERSION), and no SASL listener (PORT+2
# is another node there); on 4.x one mTLS listener on PORT+200. The nodes of one cluster must start together: a node is ready only once a
# majority of the voters runs.
set -euo pipefail
# shellcheck disable=SC2034 # used by kdie/knote in lib.sh
KAFKA_PROG=${KAFKA_PROG:-kafka-up}
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname -- "${BASH_SOURCE[0]}")/lib.sh"

(($# == 3)) || kdie "usage: kafka-up.sh VERSION PORT CONTROLLER_PORT" "e.g. scripts/kafka/kafka-up.sh latest 9092 9093"
VERSION="$(kafka_resolve_version "$1")"
PORT=$2 CPORT=$3
[[ $PORT =~ ^[0-9]+$ && $CPORT =~ ^[0-9]+$ && $PORT != "$CPORT" ]] || kdie "bad ports '$PORT' '$CPORT'" "give two different port numbers"
kafka_need_java "$VERSION"
TIMEOUT=${KAFKA_START_TIMEOUT:-90}
LABEL="kafka $VERSION $KAFKA_HOST:$PORT"
# 4.x also listens with SASL_PLAINTEXT on PORT+2 (see write_config).
SASL_PORT=$((PORT + 2))
CLUSTER_VOTERS=${KAFKA_VOTERS:-}
NODE_ID=${KAFKA_NODE_ID:-1}
RF=1 MIN_ISR=1
[[ -n $CLUSTER_VOTERS ]] && RF=${KAFKA_RF:-3} MIN_ISR=$((${KAFKA_RF:-3} > 1 ? ${KAFKA_RF:-3} - 1 : 1))
# SASL and the TLS listeners: the single 4.x broker only (in cluster mode PORT+2.. are other nodes)
sasl_on() { [[ -z $CLUSTER_VOTERS ]] && (($(kafka_major "$VERSION") >= 4)); }
# 4.x only, like SASL: the TLS and OAUTHBEARER listeners (see the header and write_config).
SSL_PORT=$((PORT + 3)) MTLS_PORT=$((PORT + 4)) SASL_SSL_PORT=$((PORT + 5)) OAUTH_PORT=$((PORT + 6)) EXPIRED_PORT=$((PORT + 7))
# A cluster node of 4.x has one TLS listener: mTLS (client certificate required) on PORT+200 (9492-9494 for
# the kafka-cluster deployment), inter-broker traffic staying on PLAINTEXT.
cluster_tls_on() { [[ -n $CLUSTER_VOTERS ]] && (($(kafka_major "$VERSION") >= 4)); }
CLUSTER_MTLS_PORT=$((PORT + 200))
OUR_PORTS=("$PORT" "$CPORT")
sasl_on && OUR_PORTS+=("$SASL_PORT" "$SSL_PORT" "$MTLS_PORT" "$SASL_SSL_PORT" "$OAUTH_PORT" "$EXPIRED_PORT")
cluster_tls_on && OUR_PORTS+=("$CLUSTER_MTLS_PORT")

# A cg test broker (this node or another checkout's) on PORT+ARGS: its node dir.
CG_BROKER_RE=" kafka\.Kafka (/[^ ]*/\.brokers/kafka[^/ ]*/[^/ ]+/node-[0-9]+)/server\.properties"

# Before anything is set up (jars, dirs): a port held by a program that is not
# a cg Kafka broker is refused right away. (Ours are reused or stopped below.)
# Without ss the owner is unknown: that case is left to the checks below.
if command -v ss >/dev/null 2>&1; then
  for p in "${OUR_PORTS[@]}"; do
    port_open "$p" || continue
    ours=0
    for lp in $(listener_pids "$p"); do
      [[ "$(broker_cmdline "$lp")" =~ $CG_BROKER_RE ]] && ours=1
    done
    ((ours)) && continue
    # Unknown owner (another user's process) that speaks Kafka: a cg broker
    # of another user, maybe; stopped below if it is ours, refused if not.
    [[ -z "$(listener_pids "$p")" ]] && kafka_answers "$p" && continue
    kafka_port_refuse "$p" "kafka $VERSION"
  done
fi

T0="$(now)"
NODE="${KAFKA_NODES_DIR:-$KAFKA_BASE/$VERSION}/node-$PORT"
DATA="${KAFKA_NODES_DIR:-$KAFKA_BASE/$VERSION}/data-$PORT"
PIDFILE="$NODE/broker.pid"
LOG="$NODE/broker.log"
{ mkdir -p "$NODE" 2>/dev/null && [[ -w $NODE ]]; } \
  || kdie "cannot write $(kafka_rel "$NODE") as user $(id -un) (.brokers/kafka belongs to $(stat -c %U -- "$KAFKA_BASE" 2>/dev/null || echo '?'))" \
    "run as the user that owns the checkout's .brokers (or root), or: sudo chown -R $(id -un) $(kafka_rel "$KAFKA_BASE")"

# One kafka-up/down at a time per node. Started JVMs get this fd (and the
# brokers-up lock, fd 9) closed so they never hold a lock.
exec 8>"$NODE/.lock"
flock -w 180 8 || kdie "$LABEL: timed out after 180s waiting for another kafka-up/down on this node" \
  "wait for it to finish; \`fuser -v $NODE/.lock\` shows who holds it"

kafka_ensure_libs "$VERSION"
LIBS="$(kafka_libs_dir "$VERSION")"

started_ok() { grep -q 'Kafka Server started' "$LOG" 2>/dev/null; }
read_pid() { if [[ -f $PIDFILE ]]; then tr -dc 0-9 <"$PIDFILE"; fi; }

# --- configuration -------------------------------------------------------------
# 4.x also listens with SASL_PLAINTEXT on PORT+2 (PLAIN user cg/cg-secret; SCRAM-SHA-256/512 user
# cg-scram/cg-secret, created after start): the authentication tests need a real SASL listener.
write_config() {
  local out=${1:-$NODE/server.properties} listeners advertised protomap
  listeners="PLAINTEXT://$KAFKA_HOST:$PORT,CONTROLLER://$KAFKA_HOST:$CPORT"
  advertised="PLAINTEXT://$KAFKA_HOST:$PORT"
  protomap="PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT"
  if sasl_on; then
    local l
    for l in SASL_PLAINTEXT:$SASL_PORT SSL:$SSL_PORT MTLS:$MTLS_PORT SASL_SSL:$SASL_SSL_PORT OAUTH:$OAUTH_PORT EXPIRED:$EXPIRED_PORT; do
      listeners+=",${l%%:*}://$KAFKA_HOST:${l#*:}"
      advertised+=",${l%%:*}://$KAFKA_HOST:${l#*:}"
    done
    protomap+=",SASL_PLAINTEXT:SASL_PLAINTEXT,SSL:SSL,MTLS:SSL,SASL_SSL:SASL_SSL,OAUTH:SASL_PLAINTEXT,EXPIRED:SSL"
  fi
  if cluster_tls_on; then
    listeners+=",MTLS://$KAFKA_HOST:$CLUSTER_MTLS_PORT"
    advertised+=",MTLS://$KAFKA_HOST:$CLUSTER_MTLS_PORT"
    protomap+=",MTLS:SSL"
  fi
  cat >"$out" <<CFG
# Written by scripts/kafka/kafka-up.sh -- regenerated on every start, do not edit.
process.roles=broker,controller
node.id=$NODE_ID
controller.quorum.voters=${CLUSTER_VOTERS:-1@$KAFKA_HOST:$CPORT}
controller.listener.names=CONTROLLER
listeners=$listeners
advertised.listeners=$advertised
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=$protomap
log.dirs=$DATA
num.partitions=1
default.replication.factor=$RF
min.insync.replicas=$MIN_ISR
auto.create.topics.enable=false
# internal topics on one broker (offsets RF default 3 => "coordinator not available")
offsets.topic.replication.factor=$RF
offsets.topic.num.partitions=1
transaction.state.log.replication.factor=$RF
transaction.state.log.min.isr=$MIN_ISR
transaction.state.log.num.partitions=1
group.initial.rebalance.delay.ms=0
# the default allocates a 128 MiB dedupe buffer at start
log.cleaner.dedupe.buffer.size=2097152
CFG
  if sasl_on; then
    cat >>"$out" <<'CFG'
sasl.enabled.mechanisms=PLAIN,SCRAM-SHA-256,SCRAM-SHA-512
listener.name.sasl_plaintext.plain.sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required user_cg="cg-secret";
listener.name.sasl_plaintext.scram-sha-256.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;
listener.name.sasl_plaintext.scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;
CFG
    # TLS listeners: PEM key stores from scripts/certs.sh. cg.test.certs names the certificates'
    # digest (a key Kafka ignores) so new certificates change the config: restart.
    local certs
    certs="$(bash "$KAFKA_REPO_ROOT/scripts/certs.sh")" || kdie "$LABEL: scripts/certs.sh failed" "see the output above"
    cat "$certs/server-expired.key" "$certs/server-expired.pem" >"$certs/server-expired-bundle.pem"
    cat >>"$out" <<CFG
cg.test.certs=$(cat "$certs/ca.pem" "$certs/server-bundle.pem" "$certs/server-expired-bundle.pem" | sha256sum | cut -c1-16)
ssl.keystore.type=PEM
ssl.keystore.location=$certs/server-bundle.pem
ssl.truststore.type=PEM
ssl.truststore.location=$certs/ca.pem
listener.name.mtls.ssl.client.auth=required
listener.name.expired.ssl.keystore.location=$certs/server-expired-bundle.pem
listener.name.sasl_ssl.sasl.enabled.mechanisms=SCRAM-SHA-256,SCRAM-SHA-512,OAUTHBEARER
listener.name.sasl_ssl.scram-sha-256.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;
listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;
CFG
    for l in oauth sasl_ssl; do
      cat >>"$out" <<CFG
listener.name.$l.oauthbearer.sasl.jaas.config=org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule required unsecuredLoginStringClaim_sub="cg-broker";
listener.name.$l.oauthbearer.sasl.server.callback.handler.class=org.apache.kafka.common.security.oauthbearer.internals.unsecured.OAuthBearerUnsecuredValidatorCallbackHandler
listener.name.$l.oauthbearer.connections.max.reauth.ms=60000
CFG
    done
    cat >>"$out" <<CFG
listener.name.oauth.sasl.enabled.mechanisms=OAUTHBEARER
CFG
  fi
  if cluster_tls_on; then
    local ccerts
    ccerts="$(bash "$KAFKA_REPO_ROOT/scripts/certs.sh")" || kdie "$LABEL: scripts/certs.sh failed" "see the output above"
    cat >>"$out" <<CFG
cg.test.certs=$(cat "$ccerts/ca.pem" "$ccerts/server-bundle.pem" | sha256sum | cut -c1-16)
ssl.keystore.type=PEM
ssl.keystore.location=$ccerts/server-bundle.pem
ssl.truststore.type=PEM
ssl.truststore.location=$ccerts/ca.pem
listener.name.mtls.ssl.client.auth=required
CFG
  fi
  if (($(kafka_major "$VERSION") >= 4)); then
    # KIP-848 (group.protocol=consumer) groups: enabled by default on 4.x
    # (group.coordinator.rebalance.protocols defaults to classic,consumer[,streams]
    # and is deprecated), so it is deliberately NOT set here: a narrower list
    # would switch streams groups off.
    cat >>"$out" <<CFG
share.coordinator.state.topic.replication.factor=$RF
share.coordinator.state.topic.min.isr=$MIN_ISR
share.coordinator.state.topic.num.partitions=1
CFG
  fi
  [[ $out == "$NODE/server.properties" ]] || return 0
  if (($(kafka_major "$VERSION") >= 4)); then
    cat >"$NODE/log4j2.properties" <<'CFG'
# Written by scripts/kafka/kafka-up.sh. Everything goes to stdout = broker.log.
status = warn
appender.stdout.type = Console
appender.stdout.name = STDOUT
appender.stdout.layout.type = PatternLayout
appender.stdout.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = INFO
rootLogger.appenderRefs = stdout
rootLogger.appenderRef.stdout.ref = STDOUT
logger.request.name = kafka.request.logger
logger.request.level = WARN
logger.network.name = kafka.network.RequestChannel$
logger.network.level = WARN
# the full config dump, 5x per start (unused-config warnings still show)
logger.config.name = org.apache.kafka.common.config.AbstractConfig
logger.config.level = WARN
CFG
    LOG_OPTS=("-Dlog4j2.configurationFile=$NODE/log4j2.properties")
  else
    cat >"$NODE/log4j.properties" <<'CFG'
# Written by scripts/kafka/kafka-up.sh. Everything goes to stdout = broker.log.
log4j.rootLogger=INFO, stdout
log4j.appender.stdout=org.apache.log4j.ConsoleAppender
log4j.appender.stdout.layout=org.apache.log4j.PatternLayout
log4j.appender.stdout.layout.ConversionPattern=[%d] %p %m (%c)%n
log4j.logger.kafka.request.logger=WARN
log4j.logger.kafka.network.RequestChannel$=WARN
# the full config dump, several times per start (unused-config warnings still show)
log4j.logger.org.apache.kafka.common.config.AbstractConfig=WARN
CFG
    LOG_OPTS=("-Dlog4j.configuration=file:$NODE/log4j.properties")
  fi
}

# --- reuse / clean up what is there -------------------------------------------
pid="$(read_pid)"
if [[ -z $pid ]] || ! is_our_broker "$pid" "$NODE"; then
  # Pid file lost or stale while our JVM still runs? Find it by its config path.
  if live="$(pgrep -n -f -- " kafka.Kafka $NODE/server.properties")" && is_our_broker "$live" "$NODE"; then
    knote "$LABEL: pid file ${pid:+(pid $pid) }does not match the running broker (pid $live), adopting it"
    pid=$live
    printf '%s\n' "$pid" >"$PIDFILE"
  fi
fi
if [[ -n $pid ]] && is_our_broker "$pid" "$NODE"; then
  write_config "$NODE/server.properties.want"
  if [[ -f $NODE/server.properties ]] && ! diff -q <(grep -v '^#' "$NODE/server.properties.want") <(grep -v '^#' "$NODE/server.properties") >/dev/null; then
    knote "$LABEL: the configuration changed (scripts/kafka/kafka-up.sh), restarting the broker once"
    rm -f "$NODE/server.properties.want"
    stop_pid "$pid" "$NODE" "$LABEL"
  elif rm -f "$NODE/server.properties.want" && started_ok && kafka_answers "$PORT"; then
    printf '%-10s %s:%s  reused (Kafka %s, pid %s, %ss)\n' kafka "$KAFKA_HOST" "$PORT" "$VERSION" "$pid" "$(elapsed "$T0")"
    exit 0
  else
    knote "$LABEL: pid $pid is alive but not serving (half-started?), killing it"
    stop_pid "$pid" "$NODE" "$LABEL"
  fi
elif [[ -f $PIDFILE ]]; then
  knote "$LABEL: removing stale pid file (pid ${pid:-?} is not our broker)"
fi
rm -f "$PIDFILE"

# Ports taken? Either a cg test broker that is not this node (lost pid file, any
# version after a KAFKA_VERSION bump, or another checkout's .brokers/kafka),
# which we stop, or something else: refuse.
for p in "${OUR_PORTS[@]}"; do
  port_open "$p" || continue
  for lp in $(listener_pids "$p"); do
    cl="$(broker_cmdline "$lp")"
    if [[ $cl =~ $CG_BROKER_RE ]]; then
      other=${BASH_REMATCH[1]}
      knote "$LABEL: port $p is held by the cg broker $other (pid $lp), stopping it"
      stop_pid "$lp" "$other" "$LABEL"
      rm -f "$other/broker.pid"
    fi
  done
  for ((i = 0; i < 25; i++)); do port_open "$p" || break; sleep 0.2; done
  if port_open "$p"; then kafka_port_refuse "$p" "kafka $VERSION"; fi
done

format_storage() {
  local out
  if ! out="$(java -Xmx256m -XX:+UseSerialGC -XX:TieredStopAtLevel=1 "$(kafka_tools_log_opts "$VERSION")" \
    -cp "$LIBS/*" kafka.tools.StorageTool format -t "$KAFKA_CLUSTER_ID" -c "$NODE/server.properties" 2>&1 </dev/null 8>&- 9>&-)"; then
    printf '%s\n' "$out" >&2
    kdie "$LABEL: kafka.tools.StorageTool format failed: $(sed '/^[[:space:]]*$/d' <<<"$out" | tail -n1)" \
      "see the output above; the data dir is $(kafka_rel "$DATA")"
  fi
}

# start_broker : background JVM in its own session, pid file. Sets $pid/$bgpid.
start_broker() {
  [[ -f $LOG ]] && mv -f "$LOG" "$LOG.1"
  printf '[%s] kafka-up: starting Kafka %s (%s)\n' "$(date '+%F %T')" "$VERSION" "$NODE/server.properties" >"$LOG"
  # shellcheck disable=SC2086
  setsid nohup java ${KAFKA_HEAP_OPTS:--Xms256m -Xmx512m} \
    -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -XX:InitiatingHeapOccupancyPercent=35 \
    -XX:+ExplicitGCInvokesConcurrent -XX:+ExitOnOutOfMemoryError \
    -Djava.awt.headless=true -Dkafka.logs.dir="$NODE" "${LOG_OPTS[@]}" \
    -cp "$LIBS/*" kafka.Kafka "$NODE/server.properties" \
    </dev/null >>"$LOG" 2>&1 8>&- 9>&- &
  bgpid=$! pid=$!
  # setsid/nohup exec into java (same pid). Only if setsid had to fork (caller
  # is a process group leader) is the JVM another pid: find it by its config.
  local i cl
  for ((i = 0; i < 50; i++)); do
    cl="$(broker_cmdline "$bgpid")"
    [[ $cl == java\ * ]] && is_our_broker "$bgpid" "$NODE" && break
    if [[ -z $cl ]]; then
      pid="$(pgrep -n -f -- "^java .* kafka\.Kafka $NODE/server\.properties" || true)"
      [[ -n $pid ]] && break
      pid=$bgpid
    fi
    sleep 0.05
  done
  printf '%s\n' "$pid" >"$PIDFILE"
}

# wait_ready : 0 when started; 1 when the JVM died or the timeout passed.
wait_ready() {
  local deadline=$((SECONDS + TIMEOUT)) rc live
  while ((SECONDS < deadline)); do
    if ! is_our_broker "$pid" "$NODE"; then
      # Our JVM under another pid (setsid forked late)? Follow it.
      live="$(pgrep -n -f -- "^java .* kafka\.Kafka $NODE/server\.properties" || true)"
      if [[ -n $live ]] && is_our_broker "$live" "$NODE"; then
        pid=$live
        printf '%s\n' "$pid" >"$PIDFILE"
        continue
      fi
      rc=0
      [[ $pid == "$bgpid" ]] && { wait "$bgpid" 2>/dev/null || rc=$?; }
      WHY="the JVM (pid $pid) exited${rc:+ with status $rc}"
      return 1
    fi
    if started_ok && kafka_answers "$PORT"; then return 0; fi
    sleep 0.2
  done
  WHY="not ready within ${TIMEOUT}s"
  return 1
}

show_tail() {
  printf -- '----- last 40 lines of %s -----\n' "$LOG" >&2
  tail -n 40 "$LOG" >&2 || true
  printf -- '-----\n' >&2
}

write_config
how="started"
formatted=0
if [[ ! -f $DATA/meta.properties ]]; then
  # Missing or half-written data dir: start from scratch.
  [[ -e $DATA ]] && knote "$LABEL: $DATA has no meta.properties, wiping and re-formatting"
  rm -rf "$DATA"
  format_storage
  formatted=1
  how="started (formatted new data dir)"
fi

start_broker
if ! wait_ready; then
  if ((formatted)); then
    stop_pid "$pid" "$NODE" "$LABEL"
    rm -f "$PIDFILE"
    show_tail
    kdie "$LABEL: broker did not start on a freshly formatted data dir ($WHY)" "see the log above: $(kafka_rel "$LOG")"
  fi
  show_tail
  knote "$LABEL: broker did not start on the existing data dir ($WHY): wiping $DATA and re-formatting"
  stop_pid "$pid" "$NODE" "$LABEL"
  rm -rf "$DATA"
  format_storage
  start_broker
  if ! wait_ready; then
    stop_pid "$pid" "$NODE" "$LABEL"
    rm -f "$PIDFILE"
    show_tail
    kdie "$LABEL: broker did not start even on a wiped data dir ($WHY)" "see the log above: $(kafka_rel "$LOG")"
  fi
  how="started (data dir wiped and re-formatted: the old one did not start)"
fi
if sasl_on; then
  # SCRAM credentials live in the cluster metadata: (re)create them after every start (idempotent).
  # (one mechanism per request: the broker refuses two changes of one user in one request)
  for mech in SCRAM-SHA-256 SCRAM-SHA-512; do
    if ! out="$(java -Xmx256m -XX:+UseSerialGC -XX:TieredStopAtLevel=1 "$(kafka_tools_log_opts "$VERSION")" \
      -cp "$LIBS/*" kafka.admin.ConfigCommand --bootstrap-server "$KAFKA_HOST:$PORT" --alter --entity-type users \
      --entity-name cg-scram --add-config "$mech=[iterations=4096,password=cg-secret]" \
      2>&1 </dev/null 8>&- 9>&-)"; then
      printf '%s\n' "$out" >&2
      knote "$LABEL: could not create the $mech user cg-scram (the SASL tests will fail)"
    fi
  done
fi
printf '%-10s %s:%s  %s (Kafka %s, pid %s, %ss)\n' kafka "$KAFKA_HOST" "$PORT" "$how" "$VERSION" "$pid" "$(elapsed "$T0")"
