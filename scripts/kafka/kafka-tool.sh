#!/usr/bin/env bash
# Run a Kafka command-line tool class from the cached jars (no tarball needed),
# with quiet logging (WARN, on stderr).
#
#   scripts/kafka/kafka-tool.sh VERSION CLASS|ALIAS ARGS...
#
# VERSION: exact (4.3.1) or latest|compat (scripts/kafka/versions.env).
# ALIAS -> class (the 3.9 / 4.x class names differ for some tools):
#   consumer-groups   org.apache.kafka.tools.consumer.group.ConsumerGroupCommand
#   topics            org.apache.kafka.tools.TopicCommand
#   console-consumer  org.apache.kafka.tools.consumer.ConsoleConsumer
#   console-producer  org.apache.kafka.tools.ConsoleProducer (4.x) / kafka.tools.ConsoleProducer (3.x)
#   groups            org.apache.kafka.tools.GroupsCommand (4.x only)
#   storage           kafka.tools.StorageTool
# Examples:
#   scripts/kafka/kafka-tool.sh latest consumer-groups --bootstrap-server 127.0.0.1:9092 --describe --all-groups
#   scripts/kafka/kafka-tool.sh latest topics --bootstrap-server 127.0.0.1:9092 --create --topic t --partitions 3
#   scripts/kafka/kafka-tool.sh latest console-consumer --bootstrap-server 127.0.0.1:9092 --topic t \
#       --group g --from-beginning --max-messages 5 --consumer-property group.protocol=consumer
# Env: KAFKA_TOOL_HEAP (default -Xmx256m).
set -euo pipefail
# shellcheck disable=SC2034 # used by kdie/knote in lib.sh
KAFKA_PROG=kafka-tool
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname -- "${BASH_SOURCE[0]}")/lib.sh"

(($# >= 2)) || kdie "usage: kafka-tool.sh VERSION CLASS|ALIAS ARGS..." "e.g. scripts/kafka/kafka-tool.sh latest topics --bootstrap-server 127.0.0.1:9092 --list"
VERSION="$(kafka_resolve_version "$1")"
CLASS=$2
shift 2
major="$(kafka_major "$VERSION")"
case "$CLASS" in
  consumer-groups) CLASS=org.apache.kafka.tools.consumer.group.ConsumerGroupCommand ;;
  topics) CLASS=org.apache.kafka.tools.TopicCommand ;;
  console-consumer) CLASS=org.apache.kafka.tools.consumer.ConsoleConsumer ;;
  console-producer) if ((major >= 4)); then CLASS=org.apache.kafka.tools.ConsoleProducer; else CLASS=kafka.tools.ConsoleProducer; fi ;;
  groups) CLASS=org.apache.kafka.tools.GroupsCommand ;;
  storage) CLASS=kafka.tools.StorageTool ;;
  *.*) ;;
  *) kdie "unknown tool '$CLASS'" "give a class name or one of: consumer-groups topics console-consumer console-producer groups storage" ;;
esac

kafka_ensure_libs "$VERSION"
LIBS="$(kafka_libs_dir "$VERSION")"
# Short-lived JVM: small heap, serial GC, C1 only => faster start.
# shellcheck disable=SC2086
exec java ${KAFKA_TOOL_HEAP:--Xmx256m} -XX:+UseSerialGC -XX:TieredStopAtLevel=1 \
  -Djava.awt.headless=true "$(kafka_tools_log_opts "$VERSION")" \
  -cp "$LIBS/*" "$CLASS" "$@"
