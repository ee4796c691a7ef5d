# shellcheck shell=bash
# Shared helpers for scripts/kafka/*.sh (sourced, not executed).
# Layout, all under <repo>/.brokers/kafka/<version>/ (git-ignored):
#   libs/                 jars copied from Maven Central by scripts/kafka/pom.xml
#   libs/.cg-complete     marker written after a successful copy (cache key)
#   node-<port>/          server.properties, log4j config, broker.pid, broker.log
#   data-<port>/          log.dirs (KRaft metadata + topic data)
#   tools-log4j*          quiet logging config for kafka-tool.sh

KAFKA_SCRIPT_DIR="$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd -P)"
KAFKA_REPO_ROOT="$(cd -- "$KAFKA_SCRIPT_DIR/../.." && pwd -P)"
KAFKA_BASE="$KAFKA_REPO_ROOT/.brokers/kafka"
KAFKA_HOST=127.0.0.1
# Any base64url-encoded 16-byte UUID; constant so re-formats are reproducible.
# shellcheck disable=SC2034 # used by kafka-up.sh
KAFKA_CLUSTER_ID=MkU3OEVBNTcwNTJENDM2Qk
# shellcheck source-path=SCRIPTDIR source=versions.env
. "$KAFKA_SCRIPT_DIR/versions.env"
# shellcheck source-path=SCRIPTDIR source=../common.sh
. "$KAFKA_SCRIPT_DIR/../common.sh"

# kdie CAUSE [HINT] : "KAFKA_PROG: ERROR: CAUSE" + "hint: HINT" on stderr, exit
# status 3 (= the cause is reported; scripts/brokers-up.sh adds nothing then).
kdie() { report_error "${KAFKA_PROG:-kafka}" "$1" "${2:-}"; exit 3; }
knote() { printf '%s: %s\n' "${KAFKA_PROG:-kafka}" "$*" >&2; }

# Size of one version's jars (4.3.1: 54 MB, 3.9.1: 56 MB), for messages.
KAFKA_JARS_SIZE="~55 MB"

# kafka_rel PATH : PATH relative to the checkout, for messages.
kafka_rel() { printf '%s' "${1#"$KAFKA_REPO_ROOT/"}"; }

# kafka_need_java VERSION : java on PATH, new enough for that Kafka
# (4.x: 17+, 3.x: 11+).
kafka_need_java() {
  local need=11 out ver major java
  (($(kafka_major "$1") >= 4)) && need=17
  java="$(command -v java 2>/dev/null)" \
    || kdie "java not found on PATH (Kafka $1 needs Java $need+)" \
      "install it: apt-get install openjdk-17-jre-headless, or put the bin directory of a Java $need+ first on PATH"
  out="$(java -version 2>&1 </dev/null)" \
    || kdie "\`java -version\` failed ($java): $(head -n1 <<<"$out")" "repair or replace that Java; Kafka $1 needs Java $need+ (apt-get install openjdk-17-jre-headless)"
  ver="$(sed -n 's/.* version "\([^"]*\)".*/\1/p' <<<"$out" | head -n1)"
  major=${ver%%[._+-]*}
  [[ $major == 1 ]] && { major=${ver#1.}; major=${major%%[._+-]*}; }
  [[ $major =~ ^[0-9]+$ ]] || return 0 # unknown format: let the JVM decide
  ((major >= need)) || kdie "java on PATH ($java) is Java $ver; Kafka $1 needs Java $need+" \
    "install openjdk-17-jre-headless and put it first on PATH (Debian: sudo update-alternatives --config java)"
}

# kafka_port_refuse PORT LABEL : die for PORT, held by something that is not
# one of cg's Kafka brokers (those are stopped/reused by kafka-up.sh).
kafka_port_refuse() {
  local p=$1 owner
  owner="$(port_owner "$p")"
  local ports="brokers-up always uses 9092-9094 (kafka) and 9192-9193 (kafka-compat); scripts/kafka/kafka-up.sh VERSION PORT CONTROLLER_PORT takes others"
  if kafka_answers "$p"; then
    kdie "$2: $KAFKA_HOST:$p is in use by $owner, a Kafka broker that is not a cg test broker (those run from .brokers/kafka)" \
      "$(port_kill_hint "$p") (a system Kafka: sudo systemctl stop kafka); $ports"
  fi
  kdie "$2: $KAFKA_HOST:$p is in use by $owner, which is not a Kafka broker (no reply to a Kafka ApiVersions request)" \
    "$(port_kill_hint "$p"); $ports"
}

# kafka_resolve_version V : accepts an exact version, or "latest"/"kafka"
# (KAFKA_VERSION) or "compat"/"kafka-compat" (KAFKA_COMPAT_VERSION).
kafka_resolve_version() {
  case "${1:-}" in
    latest | kafka) printf '%s' "$KAFKA_VERSION" ;;
    compat | kafka-compat) printf '%s' "$KAFKA_COMPAT_VERSION" ;;
    [0-9]*.[0-9]*.[0-9]*) printf '%s' "$1" ;;
    *) kdie "bad Kafka version '${1:-}'" "give e.g. $KAFKA_VERSION, latest or compat" ;;
  esac
}

kafka_major() { printf '%s' "${1%%.*}"; }

# Logging backend: Kafka 4.x logs through log4j2, 3.x through reload4j (log4j 1 API).
kafka_logging() { if (($(kafka_major "$1") >= 4)); then printf log4j2; else printf reload4j; fi; }

kafka_libs_dir() { printf '%s/%s/libs' "$KAFKA_BASE" "$1"; }

now() { printf '%s' "${EPOCHREALTIME:-$(date +%s.%N)}"; }
elapsed() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }

# kafka_ensure_libs VERSION : copies the jars once; later calls only compare
# the marker (no Maven). The marker records version, backend and the POM's
# hash, so editing pom.xml triggers a fresh copy.
kafka_ensure_libs() {
  local v=$1 libs kind want
  libs="$(kafka_libs_dir "$v")"
  kind="$(kafka_logging "$v")"
  want="kafka=$v logging=$kind pom=$(sha256sum <"$KAFKA_SCRIPT_DIR/pom.xml" | cut -c1-16)"
  [[ -f $libs/.cg-complete && "$(<"$libs/.cg-complete")" == "$want" ]] && return 0

  local copy
  copy="copy $(kafka_rel "$libs") from a checkout that has it: cp -a OTHER/.brokers/kafka/$v/libs $(kafka_rel "$KAFKA_BASE/$v")/"
  command -v mvn >/dev/null 2>&1 \
    || kdie "mvn not found on PATH; the first run downloads the Kafka $v jars ($KAFKA_JARS_SIZE) into $(kafka_rel "$libs") with Maven" \
      "install it: apt-get install maven; or $copy"
  mkdir -p "$KAFKA_BASE/$v"
  local lockfd
  exec {lockfd}>"$KAFKA_BASE/$v/.libs.lock"
  flock -w 900 "$lockfd" || kdie "timed out after 900s waiting for another copy of the Kafka $v jars" \
    "another kafka-up or kafka-tool is downloading them (lock $KAFKA_BASE/$v/.libs.lock); wait and retry"
  if [[ -f $libs/.cg-complete && "$(<"$libs/.cg-complete")" == "$want" ]]; then
    exec {lockfd}>&-
    return 0
  fi

  local tmp="$KAFKA_BASE/$v/libs.tmp.$$" t0 out mvnlog="$KAFKA_BASE/$v/mvn.log"
  t0="$(now)"
  rm -rf "$tmp"
  # The plugin by its coordinates (version from pom.xml), not the "dependency:"
  # prefix: resolving a prefix needs repository metadata, and without network
  # that fails as "No plugin found for prefix", which hides the real cause.
  local plugin
  plugin="$(sed -n '/<artifactId>maven-dependency-plugin</{n;s/.*<version>\(.*\)<\/version>.*/\1/p;}' "$KAFKA_SCRIPT_DIR/pom.xml")"
  local args=(-q -B -Dstyle.color=never -f "$KAFKA_SCRIPT_DIR/pom.xml"
    "org.apache.maven.plugins:maven-dependency-plugin:${plugin:?no maven-dependency-plugin version in pom.xml}:copy-dependencies"
    -DincludeScope=runtime "-Dkafka.version=$v" "-Dkafka.logging=$kind" "-DoutputDirectory=$tmp")
  # Offline first (everything may already be in ~/.m2), then Maven Central.
  if ! out="$(mvn -o "${args[@]}" 2>&1 </dev/null)"; then
    rm -rf "$tmp"
    knote "fetching Kafka $v jars ($KAFKA_JARS_SIZE) from Maven Central (mvn dependency:copy-dependencies) ..."
    if ! out="$(mvn "${args[@]}" 2>&1 </dev/null)"; then
      rm -rf "$tmp"
      printf '%s\n' "$out" >"$mvnlog"
      kafka_mvn_failed "$v" "$out" "$(kafka_rel "$libs")" "$(kafka_rel "$mvnlog")" "$copy"
    fi
  fi
  local j
  for j in "kafka_2.13-$v.jar" "kafka-tools-$v.jar" "kafka-clients-$v.jar"; do
    [[ -f $tmp/$j ]] || { rm -rf "$tmp"; kdie "Kafka $v jars incomplete after mvn: $j missing" "check scripts/kafka/pom.xml (it lists the jars to copy)"; }
  done
  printf '%s\n' "$want" >"$tmp/.cg-complete"
  rm -rf "$libs"
  mv "$tmp" "$libs"
  knote "Kafka $v jars ready in $libs ($(find "$libs" -name '*.jar' | wc -l) jars, $(elapsed "$t0")s)"
  exec {lockfd}>&-
}

# kafka_mvn_failed VERSION OUTPUT LIBS MVNLOG COPY : die with the cause read
# from mvn's output: the repository could not be reached, or the artifacts
# are not there, or else mvn's first error.
kafka_mvn_failed() {
  local v=$1 clean err repo why
  # ANSI colours out (-Dstyle.color=never misses some)
  # shellcheck disable=SC2001 # a regex, not a fixed string
  clean="$(sed 's/\x1b\[[0-9;]*m//g' <<<"$2")"
  err="$(grep -m1 '^\[ERROR\] [^ ]' <<<"$clean" | sed 's/^\[ERROR\] //; s/ -> \[Help [0-9]*\]$//' || true)"
  if grep -Eq 'Could not transfer|UnknownHost|Unknown host|Connection refused|[Cc]onnect timed out|Read timed out|Network is unreachable|No route to host|Temporary failure in name resolution|Name or service not known|SSLHandshake|PKIX path building failed' <<<"$err"; then
    repo="$(sed -n 's/.*from\/to [^ ]* (\([^)]*\)).*/\1/p' <<<"$err" | head -n1)"
    why="${err##*: }"
    kdie "Maven Central could not be reached (${repo:-repository}: $why); the first run downloads the Kafka $v jars ($KAFKA_JARS_SIZE) into $3" \
      "retry with network access (a proxy goes in ~/.m2/settings.xml), or $5 (mvn output: $4)"
  fi
  if grep -q 'Could not find artifact' <<<"$err"; then
    kdie "Kafka $v is not on Maven Central: ${err##*: }" \
      "pick a published version (scripts/kafka/pick-version.sh finds one; scripts/kafka/versions.env sets it) (mvn output: $4)"
  fi
  kdie "mvn could not copy the Kafka $v jars: ${err:-$(tail -n1 <<<"$clean")}" "see $4"
}

# kafka_tools_log_opts VERSION : JVM flags for quiet (WARN, stderr) tool logging.
kafka_tools_log_opts() {
  local v=$1 dir="$KAFKA_BASE/$1" f
  mkdir -p "$dir"
  if [[ "$(kafka_logging "$v")" == log4j2 ]]; then
    f="$dir/tools-log4j2.properties"
    [[ -f $f ]] || cat >"$f" <<'CFG'
status = error
appender.stderr.type = Console
appender.stderr.name = STDERR
appender.stderr.target = SYSTEM_ERR
appender.stderr.layout.type = PatternLayout
appender.stderr.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = WARN
rootLogger.appenderRefs = stderr
rootLogger.appenderRef.stderr.ref = STDERR
CFG
    printf '%s\n' "-Dlog4j2.configurationFile=$f"
  else
    f="$dir/tools-log4j.properties"
    [[ -f $f ]] || cat >"$f" <<'CFG'
log4j.rootLogger=WARN, stderr
log4j.appender.stderr=org.apache.log4j.ConsoleAppender
log4j.appender.stderr.Target=System.err
log4j.appender.stderr.layout=org.apache.log4j.PatternLayout
log4j.appender.stderr.layout.ConversionPattern=[%d] %p %m (%c)%n
CFG
    printf '%s\n' "-Dlog4j.configuration=file:$f"
  fi
}

# kafka_answers PORT : 127.0.0.1:PORT accepts a TCP connection AND answers a
# Kafka ApiVersions v0 request (correlation id 1, client id "cg") within 3 s.
# Stricter than a connect: a stopped or wedged JVM still accepts connections.
kafka_answers() {
  local got
  # shellcheck disable=SC2016 # $0/$1 expand in the inner bash
  got="$(timeout 3 bash -c '
    exec 3<>"/dev/tcp/$0/$1" || exit 1
    printf "\x00\x00\x00\x0c\x00\x12\x00\x00\x00\x00\x00\x01\x00\x02cg" >&3
    head -c 8 <&3 | od -An -tx1' "$KAFKA_HOST" "$1" 2>/dev/null)" || return 1
  [[ "$(tr -d ' \n' <<<"$got")" == ????????00000001 ]]
}

# broker_cmdline PID : its command line with spaces (empty if gone).
broker_cmdline() { { tr '\0' ' ' <"/proc/$1/cmdline"; } 2>/dev/null || true; }

# is_our_broker PID NODE_DIR : PID is alive and is kafka.Kafka run on NODE_DIR's config.
is_our_broker() {
  [[ $1 =~ ^[0-9]+$ ]] || return 1
  local cl
  cl="$(broker_cmdline "$1")"
  [[ $cl == *" kafka.Kafka $2/server.properties"* ]]
}

# stop_pid PID NODE_DIR LABEL : SIGTERM, SIGKILL after ~10 s. Only ever signals
# a process that is our kafka.Kafka on NODE_DIR (pid reuse safe).
stop_pid() {
  local pid=$1 node=$2 i
  is_our_broker "$pid" "$node" || return 0
  kill -TERM "$pid" 2>/dev/null || true
  kill -CONT "$pid" 2>/dev/null || true  # a stopped (SIGSTOP) JVM shuts down too
  for ((i = 0; i < 50; i++)); do
    is_our_broker "$pid" "$node" || return 0
    sleep 0.2
  done
  knote "$3: pid $pid ignored SIGTERM for 10s, sending SIGKILL"
  kill -KILL "$pid" 2>/dev/null || true
  for ((i = 0; i < 50; i++)); do
    is_our_broker "$pid" "$node" || return 0
    sleep 0.1
  done
  kdie "$3: pid $pid survived SIGKILL" "look at it: ps -o pid,stat,user,cmd -p $pid"
}
