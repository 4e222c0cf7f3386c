#!/bin/sh
# docker-compose's broker: Kafka (KRaft, one node) that requires SASL/SCRAM of every client, with
# an account per service and ACLs (deploy/kafka/access.sh, generated from the platform's
# TopicAccess). Mounted into the apache/kafka image as its entry point.
#  - server properties: every KAFKA_X_Y variable becomes x.y (as the image's own start does),
#    plus the listeners' logins, which hold the administrator's password;
#  - first start: formats the data volume with the SCRAM accounts (KRaft takes them only then);
#  - every start: the broker, then the ACLs as the administrator (adding one twice is harmless),
#    then /tmp/ko-kafka-ready, which the healthcheck waits for.
set -eu
: "${CLUSTER_ID:?}" "${KAFKA_ADMIN_PASSWORD:?}" "${KAFKA_EVENTS_PASSWORD:?}" "${KAFKA_TICKETS_PASSWORD:?}"
: "${KAFKA_CHAT_PASSWORD:?}" "${KAFKA_SUBSCRIPTIONS_PASSWORD:?}" "${KAFKA_USERS_PASSWORD:?}" "${KAFKA_MAIL_PASSWORD:?}"
BIN=/opt/kafka/bin
PROPS=/tmp/ko-server.properties
ADMIN=/tmp/ko-admin.properties
rm -f /tmp/ko-kafka-ready
umask 077

env | grep '^KAFKA_' | grep -v '_PASSWORD=' | while IFS='=' read -r name value; do
  echo "$(echo "${name#KAFKA_}" | tr 'A-Z_' 'a-z.')=${value}"
done > "$PROPS"
cat >> "$PROPS" <<PROPERTIES
listener.name.sasl_plaintext.sasl.enabled.mechanisms=SCRAM-SHA-256
listener.name.sasl_plaintext.scram-sha-256.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="admin" password="${KAFKA_ADMIN_PASSWORD}";
listener.name.controller.sasl.enabled.mechanisms=PLAIN
listener.name.controller.plain.sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required username="admin" password="${KAFKA_ADMIN_PASSWORD}" user_admin="${KAFKA_ADMIN_PASSWORD}";
PROPERTIES
cat > "$ADMIN" <<PROPERTIES
security.protocol=SASL_PLAINTEXT
sasl.mechanism=SCRAM-SHA-256
sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="admin" password="${KAFKA_ADMIN_PASSWORD}";
PROPERTIES

if [ ! -f "${KAFKA_LOG_DIRS}/meta.properties" ]; then
  "$BIN/kafka-storage.sh" format -t "$CLUSTER_ID" -c "$PROPS" \
    --add-scram "SCRAM-SHA-256=[name=admin,password=${KAFKA_ADMIN_PASSWORD}]" \
    --add-scram "SCRAM-SHA-256=[name=events,password=${KAFKA_EVENTS_PASSWORD}]" \
    --add-scram "SCRAM-SHA-256=[name=tickets,password=${KAFKA_TICKETS_PASSWORD}]" \
    --add-scram "SCRAM-SHA-256=[name=chat,password=${KAFKA_CHAT_PASSWORD}]" \
    --add-scram "SCRAM-SHA-256=[name=subscriptions,password=${KAFKA_SUBSCRIPTIONS_PASSWORD}]" \
    --add-scram "SCRAM-SHA-256=[name=users,password=${KAFKA_USERS_PASSWORD}]" \
    --add-scram "SCRAM-SHA-256=[name=mail,password=${KAFKA_MAIL_PASSWORD}]"
fi

"$BIN/kafka-server-start.sh" "$PROPS" &
BROKER=$!
trap 'kill -TERM "$BROKER"; wait "$BROKER"' TERM INT
until "$BIN/kafka-broker-api-versions.sh" --bootstrap-server kafka:9092 --command-config "$ADMIN" > /dev/null 2>&1; do
  kill -0 "$BROKER" || exit 1
  sleep 2
done
acl() {
  "$BIN/kafka-acls.sh" --bootstrap-server kafka:9092 --command-config "$ADMIN" --add "$@" > /dev/null
}
. /etc/ko/kafka-access.sh
touch /tmp/ko-kafka-ready
wait "$BROKER"
