import { randomBytes } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { migrations } from '../../send-mail/src/migrations';
import type { SelfManagedKafkaEvent } from '../../send-mail/src/kafka-event';
import {
  createDataSource,
  createLogger,
  dropDatabase,
  ensureDatabase,
  openDatabase,
  withDatabase,
} from '@ko/platform';
import { eventually, kafkaClient, testInfrastructure } from '@ko/platform/testing';
import { KafkaEventSource } from '../src/event-source';

// The event source mapping against the real broker: batches in AWS's shape, offsets committed
// only after success, a failing batch retried, and a record that keeps failing set aside in
// `dead_letters` while the records behind it go on.

const { postgresUrl, kafkaBrokers, kafkaCredentials } = testInfrastructure();
const suffix = randomBytes(4).toString('hex');
const topic = `test.event-source.${suffix}`;
const groupId = `test-event-source-${suffix}`;
const dbUrl = withDatabase(postgresUrl, `t${suffix}_mail`);
let db: DataSource;
let source: KafkaEventSource;

beforeAll(async () => {
  await ensureDatabase(dbUrl);
  db = await openDatabase(createDataSource({ url: dbUrl, entities: [], migrations }));
  // The broker's administrator: a topic and a group of this test's own.
  const admin = kafkaClient({ brokers: kafkaBrokers, login: kafkaCredentials.admin }).admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic, numPartitions: 1 }] });
  await admin.disconnect();
});

afterAll(async () => {
  await source?.stop();
  await db?.destroy();
  await dropDatabase(dbUrl);
});

it('invokes with batches, retries, sets aside a record that keeps failing and goes on', async () => {
  const seen: string[] = [];
  let shape: SelfManagedKafkaEvent | undefined;
  source = new KafkaEventSource({
    kafka: kafkaClient({ brokers: kafkaBrokers, login: kafkaCredentials.admin }),
    brokers: kafkaBrokers.split(','),
    groupId,
    topics: [topic],
    functionName: 'send-mail',
    invoke: async (event) => {
      shape ??= event;
      const values = Object.values(event.records)
        .flat()
        .map((r) => Buffer.from(r.value ?? '', 'base64').toString('utf8'));
      if (values.includes('poison')) throw new Error('cannot handle poison');
      seen.push(...values);
      return {};
    },
    db,
    logger: createLogger('test', 'silent'),
    batchSize: 10,
    maxAttempts: 3,
    retryBaseMs: 10,
    retryMaxMs: 50,
    startingPosition: 'TRIM_HORIZON',
  });
  const producer = kafkaClient({ brokers: kafkaBrokers, login: kafkaCredentials.admin }).producer();
  await producer.connect();
  await producer.send({
    topic,
    messages: ['one', 'poison', 'two'].map((value) => ({ key: 'k', value })),
  });
  await producer.disconnect();
  void source.start();

  await eventually(
    'the good records handled',
    () => seen,
    (s) => s.includes('two'),
    60_000,
  );
  expect(seen).toEqual(['one', 'two']);
  expect(Object.keys(shape!.records)).toEqual([`${topic}-0`]);
  expect(shape!.eventSource).toBe('SelfManagedKafka');

  const letters = (await db.query(
    'SELECT topic, "offset", error, attempts FROM dead_letters WHERE topic = $1',
    [topic],
  )) as Array<{ topic: string; offset: string; error: string; attempts: number }>;
  expect(letters).toEqual([{ topic, offset: '1', error: 'cannot handle poison', attempts: 3 }]);

  // Offsets were committed past all three records.
  const admin = kafkaClient({ brokers: kafkaBrokers, login: kafkaCredentials.admin }).admin();
  await admin.connect();
  try {
    await eventually(
      'offsets committed',
      async () => (await admin.fetchOffsets({ groupId, topics: [topic] }))[0].partitions[0].offset,
      (offset) => offset === '3',
      30_000,
    );
  } finally {
    await admin.disconnect();
  }
}, 120_000);
