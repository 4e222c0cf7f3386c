/**
 * The chat fan-out's second baseline: a bare kafkajs produce-to-consume round trip at the same
 * rate, the floor under the outbox relay and the subscriptions service's consumer.
 */
import { randomBytes } from 'node:crypto';
import { Kafka, logLevel } from 'kafkajs';
import { Samples, nowMs, round, type Distribution } from '../lib/stats';
import { until } from './chat-clients';

export interface KafkaRoundTripResult {
  ratePerSecond: number;
  seconds: number;
  produced: number;
  consumed: number;
  lost: number;
  latency: Distribution;
  curve: Array<[number, number]>;
}

/** A bare kafkajs round trip: one producer (acks all, defaults otherwise) and one consumer. */
export async function runKafkaRoundTrip(options: {
  brokers: string[];
  /** A broker account allowed to create a topic and a group of its own (the administrator's). */
  login: { username: string; password: string };
  ratePerSecond: number;
  durationMs: number;
  drainMs: number;
  log: (message: string) => void;
}): Promise<KafkaRoundTripResult> {
  const run = randomBytes(3).toString('hex');
  const topic = `bench.roundtrip.${run}`;
  const kafka = new Kafka({
    clientId: `bench-${run}`,
    brokers: options.brokers,
    // SASL/SCRAM like the services: the stack's deliveries pay for it too.
    sasl: { mechanism: 'scram-sha-256', ...options.login },
    logLevel: logLevel.ERROR,
  });
  const admin = kafka.admin();
  const producer = kafka.producer();
  const consumer = kafka.consumer({ groupId: `bench-${run}` });
  const planned = Math.floor((options.durationMs / 1000) * options.ratePerSecond);
  const latency = new Samples();
  const seen = new Uint8Array(planned);
  let consumed = 0;
  let warm = 0;
  try {
    await admin.connect();
    await admin.createTopics({
      topics: [{ topic, numPartitions: 1, replicationFactor: 1 }],
      waitForLeaders: true,
    });
    await producer.connect();
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    const joined = new Promise<void>((resolve) =>
      consumer.on(consumer.events.GROUP_JOIN, () => resolve()),
    );
    await consumer.run({
      eachMessage: async ({ message }) => {
        const now = nowMs();
        const value = JSON.parse(message.value?.toString() ?? '{}') as {
          i: number;
          sentAt: number;
          warm?: boolean;
        };
        if (value.warm) {
          warm++;
          return;
        }
        if (value.i >= 0 && value.i < planned && !seen[value.i]) {
          seen[value.i] = 1;
          consumed++;
          latency.push(now - value.sentAt);
        }
      },
    });
    await joined;
    for (let i = 0; i < 10; i++)
      await producer.send({
        topic,
        messages: [{ value: JSON.stringify({ i, sentAt: nowMs(), warm: true }) }],
      });
    await until(async () => warm >= 10, 30_000, 'Kafka warm-up messages');

    const intervalMs = 1000 / options.ratePerSecond;
    const started = nowMs();
    const sends: Array<Promise<unknown>> = [];
    for (let i = 0; i < planned; i++) {
      const wait = started + i * intervalMs - nowMs();
      if (wait > 1) await new Promise((resolve) => setTimeout(resolve, wait));
      sends.push(
        producer.send({
          topic,
          messages: [{ key: String(i), value: JSON.stringify({ i, sentAt: nowMs() }) }],
        }),
      );
    }
    const seconds = (nowMs() - started) / 1000;
    await Promise.all(sends);
    await until(async () => consumed >= planned, options.drainMs, 'every Kafka message').catch(
      () => undefined,
    );
    return {
      ratePerSecond: options.ratePerSecond,
      seconds: round(seconds),
      produced: planned,
      consumed,
      lost: planned - consumed,
      latency: latency.summary(),
      curve: latency.curve(),
    };
  } finally {
    await consumer.disconnect().catch(() => undefined);
    await producer.disconnect().catch(() => undefined);
    await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
    await admin.disconnect().catch(() => undefined);
  }
}
