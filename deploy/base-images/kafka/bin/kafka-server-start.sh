#!/usr/bin/env bash
# kafka-server-start.sh: the broker, with the distribution's default heap and server logging.
export KAFKA_HEAP_OPTS=${KAFKA_HEAP_OPTS:--Xmx1G -Xms1G}
export KAFKA_LOG4J_OPTS=${KAFKA_LOG4J_OPTS:--Dlog4j.configuration=file:/opt/kafka/config/log4j.properties}
exec "$(dirname "$0")/kafka-run-class.sh" kafka.Kafka "$@"
