#!/usr/bin/env bash
# kafka-run-class.sh, shortened: java with Kafka's jars and the KAFKA_*_OPTS, as the
# distribution's script runs it.
set -euo pipefail
base=/opt/kafka
# shellcheck disable=SC2086 # each *_OPTS is a list of JVM flags
exec java ${KAFKA_HEAP_OPTS:--Xmx256M} ${KAFKA_JVM_PERFORMANCE_OPTS:--XX:+UseG1GC -XX:MaxGCPauseMillis=20 -Djava.awt.headless=true} \
  ${KAFKA_LOG4J_OPTS:--Dlog4j.configuration=file:$base/config/tools-log4j.properties} \
  ${KAFKA_OPTS:-} -cp "$base/libs/*" "$@"
