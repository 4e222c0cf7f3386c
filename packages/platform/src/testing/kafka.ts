import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { KAFKA_SASL_MECHANISM, type KafkaLogin } from '../kafka';
import type { KafkaCredentials } from '../kafka-access';

/** The broker's accounts of this test run (`npm test` writes them to KAFKA_CREDENTIALS_FILE). */
export function testKafkaCredentials(): KafkaCredentials {
  const file = process.env.KAFKA_CREDENTIALS_FILE;
  if (!file)
    throw new Error(
      'Run integration tests with `npm test`, which provisions Kafka (or set KAFKA_CREDENTIALS_FILE).',
    );
  return JSON.parse(readFileSync(file, 'utf8')) as KafkaCredentials;
}

/**
 * A plain kafkajs client for tests, logged in as `login` (an account of the broker) or, without
 * one, as nobody: what an outsider on the network gets.
 */
export function kafkaClient(options: {
  brokers: string;
  login?: KafkaLogin;
  clientId?: string;
}): Kafka {
  return new Kafka({
    clientId: options.clientId ?? 'test',
    brokers: options.brokers.split(','),
    ...(options.login ? { sasl: { mechanism: KAFKA_SASL_MECHANISM, ...options.login } } : {}),
    logLevel: logLevel.NOTHING,
    connectionTimeout: 3_000,
    retry: { retries: 2, initialRetryTime: 200 },
  });
}

/** Writes raw messages to `topic` as `login` (a service's account), keyed by `key`. */
export async function produceAs(
  options: { brokers: string; login: KafkaLogin },
  topic: string,
  key: string,
  values: string[],
): Promise<void> {
  const producer = kafkaClient(options).producer();
  await producer.connect();
  try {
    await producer.send({ topic, messages: values.map((value) => ({ key, value })) });
  } finally {
    await producer.disconnect();
  }
}

/** The JSON lines a stack's process has logged so far whose message contains `text`. */
export function loggedLines(
  stack: { workDir: string },
  process: string,
  text: string,
): Array<Record<string, unknown>> {
  const file = join(stack.workDir, 'logs', `${process}.log`);
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line.includes(text))
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}
