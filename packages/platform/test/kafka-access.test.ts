import { randomUUID } from 'node:crypto';
import type { Kafka } from 'kafkajs';
import { KAFKA_PRINCIPALS, TopicAccess, type KafkaPrincipal, type TopicName } from '../src/facts';
import { kafkaAcls, type KafkaCredentials } from '../src/kafka-access';
import { kafkaClient, testInfrastructure } from '../src/testing';

// Attacks the broker `npm test` provisions (the same set-up as `npm start`): a client without
// an account, a wrong password, and each service's account reaching past its ACLs.

const TOPICS = Object.keys(TopicAccess) as TopicName[];
let brokers: string;
let credentials: KafkaCredentials;

beforeAll(() => {
  ({ kafkaBrokers: brokers, kafkaCredentials: credentials } = testInfrastructure());
});

/** A fact no consumer reads (an unknown type: skipped quietly), so probes disturb no test. */
const probe = () =>
  JSON.stringify({
    id: randomUUID(),
    type: 'test.probe',
    version: 1,
    occurredAt: new Date().toISOString(),
    data: {},
  });

/** Sends one message (no idempotence: the refusal is then about the topic itself). */
async function write(kafka: Kafka, topic: string, value = probe()): Promise<void> {
  const producer = kafka.producer({ allowAutoTopicCreation: false });
  await producer.connect();
  try {
    await producer.send({ topic, acks: -1, messages: [{ key: randomUUID(), value }] });
  } finally {
    await producer.disconnect();
  }
}

/** Reads `topic` from the start in a new group, until `until` says stop; returns the values. */
async function read(
  kafka: Kafka,
  topic: string,
  groupId: string,
  until: (values: string[]) => boolean,
): Promise<string[]> {
  const consumer = kafka.consumer({ groupId, retry: { retries: 1 } });
  const values: string[] = [];
  try {
    await consumer.connect();
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    let crashed: unknown;
    consumer.on(consumer.events.CRASH, ({ payload }) => (crashed = payload.error));
    await consumer.run({
      eachMessage: async ({ message }) => void values.push(message.value?.toString() ?? ''),
    });
    const deadline = Date.now() + 30_000;
    while (!until(values) && crashed === undefined && Date.now() < deadline)
      await new Promise((resolve) => setTimeout(resolve, 100));
    if (crashed !== undefined) throw crashed;
    return values;
  } finally {
    await consumer.disconnect();
  }
}

/**
 * The broker's refusal to read. A refused group reaches kafkajs as GROUP_AUTHORIZATION_FAILED
 * on FindCoordinator, which it reports as "Failed to find group coordinator" (dropping the
 * cause); the same broker finds the coordinator of a group the account may use.
 */
const REFUSED = /not authorized|authorization failed|failed to find group coordinator/i;

const as = (principal: KafkaPrincipal) =>
  kafkaClient({ brokers, login: credentials.services[principal] });

describe('a client without an account', () => {
  it('cannot write a forged fact: the broker refuses it, and no consumer ever sees it', async () => {
    const forged = JSON.stringify({
      id: randomUUID(),
      type: 'event.cancelled',
      version: 1,
      occurredAt: new Date().toISOString(),
      data: { eventId: randomUUID(), organizerId: randomUUID(), status: 'CANCELLED' },
    });
    await expect(write(kafkaClient({ brokers }), 'events.lifecycle', forged)).rejects.toThrow();
    const wrongPassword = kafkaClient({
      brokers,
      login: { username: credentials.services.events.username, password: 'guessed' },
    });
    await expect(write(wrongPassword, 'events.lifecycle', forged)).rejects.toThrow(
      /authentication failed/i,
    );
    // The topic holds none of it: read it to a marker the rightful writer sends afterwards.
    const marker = probe();
    await write(as('events'), 'events.lifecycle', marker);
    const values = await read(
      kafkaClient({ brokers, login: credentials.admin }),
      'events.lifecycle',
      `audit-${randomUUID()}`,
      (seen) => seen.includes(marker),
    );
    expect(values).toContain(marker);
    expect(values).not.toContain(forged);
  });

  it('cannot read any topic', async () => {
    await expect(
      read(kafkaClient({ brokers }), 'chat.messages', `subscriptions-${randomUUID()}`, () => false),
    ).rejects.toThrow();
  });
});

describe("each service's account", () => {
  it.each(KAFKA_PRINCIPALS.map((p) => [p]))(
    '%s writes only the topics it owns',
    async (principal) => {
      for (const topic of TOPICS) {
        const attempt = write(as(principal), topic);
        if (TopicAccess[topic].writer === principal) await expect(attempt).resolves.toBeUndefined();
        else await expect(attempt).rejects.toThrow(/not authorized/i);
      }
    },
  );

  it.each(KAFKA_PRINCIPALS.map((p) => [p]))(
    '%s reads only the topics it consumes, in groups named after it',
    async (principal) => {
      for (const topic of TOPICS) {
        const attempt = read(
          as(principal),
          topic,
          `${principal}-${randomUUID()}`,
          (v) => v.length > 0,
        );
        if (TopicAccess[topic].readers.includes(principal))
          await expect(attempt).resolves.not.toHaveLength(0);
        else await expect(attempt).rejects.toThrow(REFUSED);
      }
      const reads = TOPICS.filter((t) => TopicAccess[t].readers.includes(principal));
      if (reads.length > 0)
        // Another deployment's group (or any group not named after the service) is refused.
        await expect(
          read(as(principal), reads[0], `other-${randomUUID()}`, (v) => v.length > 0),
        ).rejects.toThrow(REFUSED);
    },
  );
});

describe('the ACLs made from TopicAccess', () => {
  it('grant each topic to its writer and readers only', () => {
    const acls = kafkaAcls(credentials);
    for (const topic of TOPICS) {
      const holders = new Set(
        acls.filter((a) => a.resourceName === topic).map((a) => a.principal.replace('User:', '')),
      );
      expect([...holders].sort()).toEqual(
        [TopicAccess[topic].writer, ...TopicAccess[topic].readers].sort(),
      );
    }
  });
});
