#!/usr/bin/env bash
# Print the first of the candidate Kafka versions whose broker (kafka_2.13) AND
# tools (kafka-tools) both resolve on Maven Central; used to choose
# KAFKA_VERSION in versions.env (not run by brokers-up). A release can be
# half-published: on 2026-11-23 kafka_2.13:4.4.0 resolved but kafka-tools:4.4.0 did not.
#
#   scripts/kafka/pick-version.sh 4.4.1 4.4.0 4.3.2 4.3.1 ...   (newest first)
set -euo pipefail
(($#)) || { echo "usage: pick-version.sh VERSION... (newest first)" >&2; exit 2; }
for v in "$@"; do
  ok=1
  for a in kafka_2.13 kafka-tools; do
    if ! mvn -q -B -U -Dstyle.color=never dependency:get \
      "-Dartifact=org.apache.kafka:$a:$v:pom" -Dtransitive=false >/dev/null 2>&1 </dev/null; then
      echo "$v: org.apache.kafka:$a:$v not on Maven Central" >&2
      ok=0
      break
    fi
  done
  if ((ok)); then echo "$v"; exit 0; fi
done
echo "none of: $*" >&2
exit 1
