import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { readServiceList } from '@ko/platform';
import { graphql, startStack, testInfrastructure, type Stack } from '@ko/platform/testing';
import { startKafka, type KafkaBroker } from '../../scripts/provision/kafka';
import { connect, eventually, follow, subscriptionsActive, type LiveClient } from './live-client';

const MESSAGE_POSTED =
  'subscription Chat($eventId: ID!) { messagePosted(eventId: $eventId) { id body author { name } } }';
const POST =
  'mutation Post($eventId: ID!, $body: String!) { postMessage(eventId: $eventId, body: $body) { id } }';

let dataDir: string;
let broker: KafkaBroker;
let stack: Stack;
let db: Client;
let live: LiveClient | undefined;

beforeAll(async () => {
  // A private broker: this test stops and restarts it.
  dataDir = mkdtempSync(join(tmpdir(), 'ko-outage-kafka-'));
  broker = await startKafka({ dataDir });
  stack = await startStack({
    postgresUrl: testInfrastructure().postgresUrl,
    kafkaBrokers: broker.brokers,
    kafkaCredentials: broker.credentials,
    services: ['users', 'events', 'chat', 'subscriptions', 'router'],
  });
  db = new Client({ connectionString: stack.databaseUrls.chat });
  await db.connect();
}, 180_000);

afterAll(async () => {
  await live?.dispose();
  await db?.end();
  await stack?.stop({ dropDatabases: true });
  await broker?.stop();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
}, 60_000);

it('stores messages posted while Kafka is down and delivers every one of them, in order, once it is back', async () => {
  const url = stack.routerUrl;
  const register = await graphql(
    url,
    'mutation($i: RegisterInput!) { register(input: $i) { token } }',
    {
      i: {
        email: 'outage-org@example.com',
        password: 'password-123',
        name: 'Olga Organizer',
        role: 'ORGANIZER',
      },
    },
  );
  const token = register.data!.register.token as string;
  const created = await graphql(
    url,
    'mutation($i: CreateEventInput!) { createEvent(input: $i) { id } }',
    {
      i: {
        title: 'Outage gig',
        description: '',
        category: 'Music',
        venue: 'Hall',
        city: 'Porto',
        startsAt: '2031-06-01T20:00:00Z',
      },
    },
    token,
  );
  const eventId = created.data!.createEvent.id as string;
  await graphql(url, 'mutation($id: ID!) { publishEvent(id: $id) { id } }', { id: eventId }, token);
  const post = async (body: string) => {
    const result = await graphql(url, POST, { eventId, body }, token);
    expect(result.errors).toBeUndefined();
    return result.data!.postMessage.id as string;
  };

  live = connect(url.replace(/^http/, 'ws'), token);
  const follower = follow<{ id: string; body: string }>(
    live,
    MESSAGE_POSTED,
    { eventId },
    'messagePosted',
  );
  const instances = readServiceList(stack.serviceListPath).subscriptions;
  // Nothing is posted on this event before the outage: the instance has consumed nothing from its
  // partition yet, the case where a restarted consumer could skip to the end and lose messages.
  await subscriptionsActive(instances, 1);

  await broker.stop();
  const during: string[] = [];
  for (let i = 1; i <= 5; i++) during.push(await post(`during the outage ${i}`));
  // Stored, and waiting in the outbox; nothing can have reached subscribers.
  const stored = await db.query(
    'SELECT count(*)::int AS n FROM chat_messages WHERE event_id = $1',
    [eventId],
  );
  expect(stored.rows[0].n).toBe(5);
  const waiting = await db.query(
    'SELECT count(*)::int AS n FROM outbox WHERE published_at IS NULL',
  );
  expect(waiting.rows[0].n).toBe(5);
  expect(follower.items).toEqual([]);

  // Keep the broker down until the subscriptions instance has lost its consumer (it reports not
  // ready), so recovery goes through a consumer restart and group rejoin, the hard path.
  const health = instances[0].replace(/^ws/, 'http').replace(/\/graphql$/, '/health');
  await eventually(
    async () => (await fetch(health)).status,
    (status) => status === 503,
    90_000,
  );
  await broker.start();
  await follower.waitFor(5, 120_000);
  expect(follower.items.map((m) => m.id)).toEqual(during);
  expect(follower.items[0]).toEqual({
    id: during[0],
    body: 'during the outage 1',
    author: { name: 'Olga Organizer' },
  });
  await eventually(
    async () =>
      (await db.query('SELECT count(*)::int AS n FROM outbox WHERE published_at IS NULL')).rows[0]
        .n as number,
    (n) => n === 0,
  );
  // A message after recovery arrives right behind them: nothing duplicated in between.
  const after = await post('after the outage');
  await follower.waitFor(6);
  expect(follower.items.map((m) => m.id)).toEqual([...during, after]);
}, 180_000);
