import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { Kafka } from 'kafkajs';
import { FactConsumer } from '../src/fact-consumer';
import { defineFact } from '../src/facts/envelope';
import type { TopicName } from '../src/facts/topics';
import { createLogger } from '../src/logger';
import { eventually, kafkaClient, testInfrastructure } from '../src/testing';

// A consumer committing on an interval (`commitEveryMs`, the live feed's) against the real
// broker: what it handled is committed, by the interval and at its stop, so a restart resumes
// there instead of at the group's start.

let kafka: Kafka;
const topic = `fact-consumer-test-${randomUUID().slice(0, 8)}` as TopicName;
const probe = defineFact({
  topic,
  type: 'test.probe',
  version: 1,
  schema: z.object({ n: z.number() }),
  key: () => 'k',
});

beforeAll(async () => {
  const { kafkaBrokers, kafkaCredentials } = testInfrastructure();
  kafka = kafkaClient({ brokers: kafkaBrokers, login: kafkaCredentials.admin });
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic, numPartitions: 1 }], waitForLeaders: true });
  await admin.disconnect();
});

afterAll(async () => {
  const admin = kafka.admin();
  await admin.connect();
  await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
  await admin.disconnect();
});

async function produce(from: number, count: number): Promise<void> {
  const producer = kafka.producer();
  await producer.connect();
  await producer.send({
    topic,
    acks: -1,
    messages: Array.from({ length: count }, (_, i) => ({
      key: 'k',
      value: JSON.stringify({
        id: randomUUID(),
        type: 'test.probe',
        version: 1,
        occurredAt: new Date().toISOString(),
        data: { n: from + i },
      }),
    })),
  });
  await producer.disconnect();
}

async function committed(groupId: string): Promise<number> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const [{ partitions }] = await admin.fetchOffsets({ groupId, topics: [topic] });
    return Number(partitions[0]!.offset);
  } finally {
    await admin.disconnect();
  }
}

function consumer(groupId: string, seen: number[], commitEveryMs: number) {
  return new FactConsumer({
    kafka,
    groupId,
    facts: [probe],
    logger: createLogger('fact-consumer-test', 'silent'),
    commitEveryMs,
    handle: async (fact) => void seen.push((fact.envelope.data as { n: number }).n),
  });
}

it('commits what it handled on its interval and at its stop, and a restart resumes there', async () => {
  const groupId = `fact-consumer-test-${randomUUID()}`;
  const seen: number[] = [];
  await produce(0, 5);
  const first = consumer(groupId, seen, 300);
  await first.start();
  await eventually(
    'the first five handled',
    () => seen.length,
    (n) => n === 5,
  );
  await eventually(
    'committed on the interval',
    () => committed(groupId),
    (offset) => offset === 5,
    5_000,
  );
  // Stopped before an interval passes: the stop commits the rest.
  await produce(5, 3);
  await eventually(
    'three more handled',
    () => seen.length,
    (n) => n === 8,
  );
  await first.stop();
  expect(await committed(groupId)).toBe(8);

  await produce(8, 2);
  const again: number[] = [];
  const second = consumer(groupId, again, 60_000);
  await second.start();
  try {
    await eventually(
      'the restart handling what came after',
      () => again.length,
      (n) => n === 2,
    );
    expect(again).toEqual([8, 9]);
  } finally {
    await second.stop();
  }
});
