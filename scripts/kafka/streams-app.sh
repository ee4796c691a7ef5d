#!/usr/bin/env bash
# Fetch + compile the Kafka Streams test application (test/fixtures/streams-app/CgStreamsApp.java).
#   scripts/kafka/streams-app.sh [VERSION]      (default: latest = KAFKA_VERSION)
# Idempotent: the jars (kafka-streams + its runtime deps, from Maven Central through
# scripts/kafka/streams-app.pom.xml) go to .brokers/kafka/VERSION/streams-libs, the class to
# .brokers/kafka/VERSION/streams-app; both are redone only when the POM or the source changes.
# Prints the classpath to run it with (java -cp CLASSPATH CgStreamsApp ...) on stdout.
set -euo pipefail
KAFKA_PROG=streams-app
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname -- "${BASH_SOURCE[0]}")/lib.sh"

VERSION="$(kafka_resolve_version "${1:-latest}")"
POM="$KAFKA_SCRIPT_DIR/streams-app.pom.xml"
SRC="$KAFKA_REPO_ROOT/test/fixtures/streams-app/CgStreamsApp.java"
LIBS="$KAFKA_BASE/$VERSION/streams-libs"
OUT="$KAFKA_BASE/$VERSION/streams-app"
command -v javac >/dev/null 2>&1 || kdie "javac not found on PATH (the streams test application is compiled from source)" \
  "install a JDK 17+: apt-get install openjdk-17-jdk-headless"

mkdir -p "$KAFKA_BASE/$VERSION"
exec {lockfd}>"$KAFKA_BASE/$VERSION/.streams-app.lock"
flock -w 900 "$lockfd" || kdie "timed out after 900s waiting for another streams-app.sh" "lock $KAFKA_BASE/$VERSION/.streams-app.lock"

want="kafka=$VERSION pom=$(sha256sum <"$POM" | cut -c1-16)"
if [[ ! -f $LIBS/.cg-complete || "$(<"$LIBS/.cg-complete")" != "$want" ]]; then
  command -v mvn >/dev/null 2>&1 || kdie "mvn not found on PATH; the first run downloads kafka-streams $VERSION with Maven" "install it: apt-get install maven"
  plugin="$(sed -n '/<artifactId>maven-dependency-plugin</{n;s/.*<version>\(.*\)<\/version>.*/\1/p;}' "$POM")"
  tmp="$LIBS.tmp.$$"
  rm -rf "$tmp"
  args=(-q -B -Dstyle.color=never -f "$POM"
    "org.apache.maven.plugins:maven-dependency-plugin:${plugin:?no plugin version in $POM}:copy-dependencies"
    -DincludeScope=runtime "-Dkafka.version=$VERSION" "-DoutputDirectory=$tmp")
  if ! mvn -o "${args[@]}" >/dev/null 2>&1 </dev/null; then
    rm -rf "$tmp"
    knote "fetching kafka-streams $VERSION and its dependencies from Maven Central ..."
    if ! out="$(mvn "${args[@]}" 2>&1 </dev/null)"; then
      rm -rf "$tmp"
      kdie "mvn could not copy kafka-streams $VERSION: $(grep -m1 '^\[ERROR\]' <<<"$out" || tail -n1 <<<"$out")" \
        "retry with network access to Maven Central"
    fi
  fi
  [[ -f $tmp/kafka-streams-$VERSION.jar ]] || { rm -rf "$tmp"; kdie "kafka-streams-$VERSION.jar missing after mvn" "check $POM"; }
  printf '%s\n' "$want" >"$tmp/.cg-complete"
  rm -rf "$LIBS"
  mv "$tmp" "$LIBS"
fi

built="libs=$want src=$(sha256sum <"$SRC" | cut -c1-16)"
if [[ ! -f $OUT/.cg-complete || "$(<"$OUT/.cg-complete")" != "$built" ]]; then
  tmp="$OUT.tmp.$$"
  rm -rf "$tmp"
  mkdir -p "$tmp"
  javac -nowarn -d "$tmp" -cp "$LIBS/*" "$SRC" || { rm -rf "$tmp"; kdie "javac could not compile $(kafka_rel "$SRC")"; }
  printf '%s\n' "$built" >"$tmp/.cg-complete"
  rm -rf "$OUT"
  mv "$tmp" "$OUT"
fi
printf '%s:%s/*\n' "$OUT" "$LIBS"
