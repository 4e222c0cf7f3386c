import { Kafka, Partitioners, logLevel, type LogEntry, type Producer } from 'kafkajs';
import { TOPIC_PARTITIONS } from './facts';
import type { Logger } from './logger';

const levelNames: Record<number, 'error' | 'warn' | 'info' | 'debug'> = {
  [logLevel.ERROR]: 'error',
  [logLevel.WARN]: 'warn',
  [logLevel.INFO]: 'info',
  [logLevel.DEBUG]: 'debug',
};

/** A service's own broker account (SASL/SCRAM); the broker's ACLs say what it may do. */
export interface KafkaLogin {
  username: string;
  password: string;
}

/** The SASL mechanism of every platform broker account. */
export const KAFKA_SASL_MECHANISM = 'scram-sha-256';

export function createKafka(options: {
  brokers: string[];
  clientId: string;
  logger: Logger;
  /** The service's account; without one the broker refuses the connection. */
  login: KafkaLogin | undefined;
}): Kafka {
  const log = options.logger.child({ component: 'kafka' });
  return new Kafka({
    clientId: options.clientId,
    brokers: options.brokers,
    ...(options.login
      ? {
          sasl: {
            mechanism: KAFKA_SASL_MECHANISM,
            username: options.login.username,
            password: options.login.password,
          },
        }
      : {}),
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
export async function ensureTopics(
  kafka: Kafka,
  topics: string[],
  partitions = TOPIC_PARTITIONS,
): Promise<void> {
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
