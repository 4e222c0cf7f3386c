import { randomUUID } from 'node:crypto';
import type { Kafka, Producer, ProducerBatch } from 'kafkajs';
import type { DataSource } from 'typeorm';
import {
  createDataSource,
  dropDatabase,
  ensureDatabase,
  openDatabase,
  withDatabase,
} from '../src/database';
import { createLogger } from '../src/logger';
import { CreateOutbox1764000000000, OutboxRelay } from '../src/outbox';
import { eventually, testInfrastructure } from '../src/testing';

// The relay against a real outbox table and a broker that refuses a producer for good, as a
// restarted broker refused an idempotent producer's sequence numbers (OUT_OF_ORDER_SEQUENCE_NUMBER)
// in a failed CI run: the relay must go on with a new producer, not the refused one reconnected.
let url: string;
let db: DataSource;

beforeAll(async () => {
  url = withDatabase(testInfrastructure().postgresUrl, `outbox_relay_${randomUUID().slice(0, 8)}`);
  await ensureDatabase(url);
  db = await openDatabase(
    createDataSource({ url, entities: [], migrations: [CreateOutbox1764000000000] }),
  );
});

afterAll(async () => {
  await db?.destroy();
  if (url) await dropDatabase(url);
});

/** A stand-in for kafkajs: each producer it hands out refuses every send if `refuses` says so. */
function brokerThatRefuses(refuses: (producer: number) => boolean) {
  const sent: ProducerBatch[] = [];
  let producers = 0;
  const kafka = {
    producer: () => {
      const n = ++producers;
      return {
        connect: async () => undefined,
        disconnect: async () => undefined,
        sendBatch: async (batch: ProducerBatch) => {
          if (refuses(n)) throw new Error('The broker received an out of order sequence number');
          sent.push(batch);
          return [];
        },
      } as unknown as Producer;
    },
  } as unknown as Kafka;
  return { kafka, sent, producers: () => producers };
}

it('sends with a new producer after one the broker refuses, and drains the outbox', async () => {
  await db.query(
    `INSERT INTO outbox (id, topic, message_key, envelope) VALUES ($1, 'tickets.sold', 'k', '{"type":"probe"}')`,
    [randomUUID()],
  );
  const broker = brokerThatRefuses((producer) => producer === 1);
  const relay = new OutboxRelay({
    dataSource: db,
    kafka: broker.kafka,
    logger: createLogger('outbox-relay-test', 'silent'),
    idleIntervalMs: 50,
  });
  relay.start();
  try {
    await eventually(
      'the outbox drained',
      () => relay.pending(),
      (n) => n === 0,
      10_000,
    );
  } finally {
    await relay.stop();
  }
  expect(broker.producers()).toBe(2);
  expect(broker.sent.flatMap((b) => b.topicMessages ?? []).map((t) => t.topic)).toEqual([
    'tickets.sold',
  ]);
});
