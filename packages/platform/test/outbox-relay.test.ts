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

/** A stand-in broker whose sends wait for `gate` (when set) and are recorded by envelope. */
function recordingBroker(gate?: () => Promise<void>) {
  const sent: string[] = [];
  const kafka = {
    producer: () =>
      ({
        connect: async () => undefined,
        disconnect: async () => undefined,
        sendBatch: async (batch: ProducerBatch) => {
          await gate?.();
          for (const { messages } of batch.topicMessages ?? [])
            for (const m of messages) sent.push((JSON.parse(String(m.value)) as { id: string }).id);
          return [];
        },
      }) as unknown as Producer,
  } as unknown as Kafka;
  return { kafka, sent };
}

const addFact = async () => {
  const id = randomUUID();
  await db.query(
    `INSERT INTO outbox (id, topic, message_key, envelope) VALUES ($1, 'chat.messages', 'k', $2)`,
    [id, JSON.stringify({ id, type: 'probe' })],
  );
  return id;
};

const relayOf = (kafka: Kafka, idleIntervalMs: number) =>
  new OutboxRelay({
    dataSource: db,
    kafka,
    logger: createLogger('outbox-relay-test', 'silent'),
    idleIntervalMs,
  });

it('sends a commit nudged while a pass is sending right after that pass, not at the idle interval', async () => {
  await db.query('DELETE FROM outbox');
  let release!: () => void;
  const sending = new Promise<void>((resolve) => (release = resolve));
  let passes = 0;
  const broker = recordingBroker(async () => {
    if (++passes === 1) await sending;
  });
  // An idle interval no test waits out: only the nudge can bring the second fact.
  const relay = relayOf(broker.kafka, 600_000);
  relay.start();
  try {
    const first = await addFact();
    relay.nudge();
    await eventually(
      'the first pass sending',
      async () => passes,
      (n) => n === 1,
    );
    const second = await addFact();
    relay.nudge();
    release();
    await eventually(
      'both facts sent',
      async () => broker.sent,
      (sent) => sent.length === 2,
      5_000,
    );
    expect(broker.sent).toEqual([first, second]);
  } finally {
    release();
    await relay.stop();
  }
});

it('finds a commit nobody nudged for at the idle interval', async () => {
  await db.query('DELETE FROM outbox');
  const broker = recordingBroker();
  const relay = relayOf(broker.kafka, 100);
  relay.start();
  try {
    const id = await addFact();
    await eventually(
      'the fact sent',
      async () => broker.sent,
      (sent) => sent.length === 1,
      5_000,
    );
    expect(broker.sent).toEqual([id]);
  } finally {
    await relay.stop();
  }
});

it('sends each fact once, in order, when two relays share the outbox', async () => {
  await db.query('DELETE FROM outbox');
  // Slow sends, so each relay's pass overlaps the other's: only the relay lock keeps them apart.
  const broker = recordingBroker(() => new Promise((resolve) => setTimeout(resolve, 30)));
  const relays = [relayOf(broker.kafka, 20), relayOf(broker.kafka, 20)];
  for (const relay of relays) relay.start();
  try {
    const ids: string[] = [];
    for (let i = 0; i < 40; i += 1) {
      ids.push(await addFact());
      for (const relay of relays) relay.nudge();
    }
    await eventually(
      'every fact sent',
      async () => broker.sent,
      (sent) => sent.length >= ids.length,
      10_000,
    );
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(broker.sent).toEqual(ids);
  } finally {
    await Promise.all(relays.map((relay) => relay.stop()));
  }
});
