import {
  Kafka,
  Partitioners,
  logLevel,
  type Consumer,
  type EachMessagePayload,
  type LogEntry,
  type Producer,
} from 'kafkajs';
import type { Logger } from './logger';

/** The JSON every Kafka message carries (DESIGN.md): consumers de-duplicate by `id`. */
export interface EventEnvelope<T = unknown> {
  id: string;
  type: string;
  version: number;
  occurredAt: string;
  data: T;
}

/** Topics of the platform, one constant each so producers and consumers cannot drift. */
export const Topics = {
  eventsLifecycle: 'events.lifecycle',
  ticketsSold: 'tickets.sold',
  ordersCancelled: 'orders.cancelled',
  chatMessages: 'chat.messages',
} as const;

const levelNames: Record<number, 'error' | 'warn' | 'info' | 'debug'> = {
  [logLevel.ERROR]: 'error',
  [logLevel.WARN]: 'warn',
  [logLevel.INFO]: 'info',
  [logLevel.DEBUG]: 'debug',
};

export function createKafka(options: {
  brokers: string[];
  clientId: string;
  logger: Logger;
}): Kafka {
  const log = options.logger.child({ component: 'kafka' });
  return new Kafka({
    clientId: options.clientId,
    brokers: options.brokers,
    connectionTimeout: 3_000,
    requestTimeout: 10_000,
    // Retries are bounded; callers (the outbox relay, consumers) own the longer back-off.
    retry: { retries: 5, initialRetryTime: 200, maxRetryTime: 5_000 },
    logLevel: logLevel.WARN,
    logCreator:
      () =>
      ({ level, log: entry }: LogEntry) => {
        const { message, ...rest } = entry;
        log[levelNames[level] ?? 'info'](rest, message);
      },
  });
}

export function createProducer(kafka: Kafka): Producer {
  return kafka.producer({
    createPartitioner: Partitioners.DefaultPartitioner,
    idempotent: true,
    maxInFlightRequests: 1,
  });
}

/** Creates topics the service relies on; ignores ones that exist. */
export async function ensureTopics(kafka: Kafka, topics: string[], partitions = 3): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const existing = new Set(await admin.listTopics());
    const missing = topics.filter((t) => !existing.has(t));
    if (missing.length > 0) {
      await admin.createTopics({
        topics: missing.map((topic) => ({
          topic,
          numPartitions: partitions,
          replicationFactor: 1,
        })),
        waitForLeaders: true,
      });
    }
  } finally {
    await admin.disconnect();
  }
}

export function parseEnvelope(payload: EachMessagePayload): EventEnvelope | null {
  const raw = payload.message.value?.toString('utf8');
  if (!raw) return null;
  try {
    const parsed = JSON.parse(raw) as EventEnvelope;
    return typeof parsed.id === 'string' && typeof parsed.type === 'string' ? parsed : null;
  } catch {
    return null;
  }
}

export interface ConsumerOptions {
  kafka: Kafka;
  groupId: string;
  topics: string[];
  logger: Logger;
  fromBeginning?: boolean;
  handle: (event: EventEnvelope, raw: EachMessagePayload) => Promise<void>;
}

/**
 * Consumes envelopes one by one. A handler failure is retried by kafkajs (the offset is not
 * committed), so handlers must be idempotent; malformed messages are logged and skipped.
 */
export async function startConsumer(options: ConsumerOptions): Promise<Consumer> {
  const consumer = options.kafka.consumer({
    groupId: options.groupId,
    sessionTimeout: 10_000,
    heartbeatInterval: 1_000,
    retry: { retries: Number.MAX_SAFE_INTEGER, initialRetryTime: 300, maxRetryTime: 10_000 },
  });
  await consumer.connect();
  await consumer.subscribe({
    topics: options.topics,
    fromBeginning: options.fromBeginning ?? true,
  });
  await consumer.run({
    eachMessage: async (payload) => {
      const event = parseEnvelope(payload);
      if (!event) {
        options.logger.warn(
          { topic: payload.topic, offset: payload.message.offset },
          'skipping malformed message',
        );
        return;
      }
      await options.handle(event, payload);
    },
  });
  return consumer;
}
