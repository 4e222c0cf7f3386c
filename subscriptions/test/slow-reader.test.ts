// A client that stops reading, through the router's WebSocket pass-through: it is shed once it has
// stayed behind for longer than MAX_LAG_MS (close 1013, "try again later"), whether its backlog
// shows as unsent bytes (large messages) or only as its unanswered read-lag pings (small ones,
// held by the kernel's buffers), while a client that keeps up on the same chat receives every
// message.
import WebSocket from 'ws';
import {
  graphql,
  kafkaClient,
  startStack,
  testInfrastructure,
  type Stack,
} from '@ko/platform/testing';
import { readServiceList } from '@ko/platform';
import {
  chatMessageFact,
  connect,
  eventually,
  follow,
  stats,
  subscriptionsActive,
} from './live-client';

const MESSAGE_POSTED = `subscription Chat($eventId: ID!) {
  messagePosted(eventId: $eventId) { id body }
}`;

let stack: Stack;
let instances: string[];
let routerWs: string;
let eventId: string;
let author: { id: string; name: string };

beforeAll(async () => {
  stack = await startStack({
    ...testInfrastructure(),
    services: ['users', 'events', 'chat', 'subscriptions', 'router'],
  });
  routerWs = stack.routerUrl.replace(/^http/, 'ws');
  instances = readServiceList(stack.serviceListPath).subscriptions;
  const registered = await graphql(
    stack.routerUrl,
    'mutation($i: RegisterInput!) { register(input: $i) { token user { id } } }',
    {
      i: {
        email: 'slow-org@example.com',
        password: 'password-123',
        name: 'Sam Slow',
        role: 'ORGANIZER',
      },
    },
  );
  const token = registered.data!.register.token as string;
  author = { id: registered.data!.register.user.id as string, name: 'Sam Slow' };
  const created = await graphql(
    stack.routerUrl,
    'mutation($i: CreateEventInput!) { createEvent(input: $i) { id } }',
    {
      i: {
        title: 'Slow readers',
        description: 'Live',
        category: 'Music',
        venue: 'Hall',
        city: 'Porto',
        startsAt: new Date(Date.now() + 10 * 86_400_000).toISOString(),
      },
    },
    token,
  );
  eventId = created.data!.createEvent.id as string;
  await graphql(
    stack.routerUrl,
    'mutation($id: ID!) { publishEvent(id: $id) { id } }',
    { id: eventId },
    token,
  );
});

afterAll(() => stack?.stop({ dropDatabases: true }));

/** A graphql-ws client at the protocol level, so the test can stop it reading its socket. */
async function rawSubscriber(): Promise<{
  socket: WebSocket;
  closed: Promise<number>;
  /** Every message that was not a `next` (for a failure's message). */
  others: string[];
}> {
  const socket = new WebSocket(routerWs, 'graphql-transport-ws');
  const closed = new Promise<number>((resolve) => socket.on('close', (code) => resolve(code)));
  const others: string[] = [];
  socket.on('message', (data) => {
    const text = String(data);
    if (!text.includes('"type":"next"')) others.push(text.slice(0, 300));
  });
  await new Promise((resolve, reject) => {
    socket.once('open', resolve);
    socket.once('error', reject);
  });
  const acked = new Promise<void>((resolve) =>
    socket.on('message', (data) => {
      if ((JSON.parse(String(data)) as { type: string }).type === 'connection_ack') resolve();
    }),
  );
  socket.send(JSON.stringify({ type: 'connection_init', payload: {} }));
  await acked;
  socket.send(
    JSON.stringify({
      id: '1',
      type: 'subscribe',
      payload: { query: MESSAGE_POSTED, variables: { eventId } },
    }),
  );
  return { socket, closed, others };
}

/** The chat's Kafka facts, written straight to the topic (faster than the chat's rate limit). */
async function chatFacts(): Promise<{
  send: (count: number, body: string) => Promise<void>;
  close: () => Promise<void>;
}> {
  const { kafkaBrokers, kafkaCredentials } = testInfrastructure();
  const producer = kafkaClient({
    brokers: kafkaBrokers,
    login: kafkaCredentials.services.chat,
  }).producer();
  await producer.connect();
  const fact = (body: string) =>
    JSON.stringify(
      chatMessageFact({ eventId, body, authorId: author.id, authorName: author.name }),
    );
  return {
    send: async (count, body) => {
      await producer.send({
        topic: 'chat.messages',
        messages: Array.from({ length: count }, () => ({ key: eventId, value: fact(body) })),
      });
    },
    close: () => producer.disconnect(),
  };
}

/** Both clients on the chat, the slow one no longer reading its socket. */
async function oneKeepsUpOneStops() {
  const fast = connect(routerWs);
  const following = follow<{ id: string }>(fast, MESSAGE_POSTED, { eventId }, 'messagePosted');
  const slow = await rawSubscriber();
  await subscriptionsActive(instances, 2).catch((error: Error) => {
    throw new Error(`${error.message}; the raw client got ${JSON.stringify(slow.others)}`);
  });
  slow.socket.pause();
  return { fast, following, slow };
}

/** The slow client was shed (1013) and the one that kept up got every message, once. */
async function expectShedWhileTheOtherGotAll(
  { fast, following, slow }: Awaited<ReturnType<typeof oneKeepsUpOneStops>>,
  sent: number,
) {
  await eventually(
    () => stats(instances),
    ([s]) => s.subscriptions === 1,
  );
  // Reading again, the slow client finds the close frame behind what was buffered.
  slow.socket.resume();
  expect(await slow.closed).toBe(1013);
  await eventually(
    () => stats(instances),
    ([s]) => s.connections === 1,
  );
  const received = await following.waitFor(sent, 30_000);
  expect(received).toHaveLength(sent);
  expect(new Set(received.map((m) => m.id)).size).toBe(sent);
  await fast.dispose();
}

it('sheds a client that stops reading, and keeps delivering every message to one that keeps up', async () => {
  // From here on the slow client reads nothing: frames pile up in its socket, the router's
  // pass-through (which follows its backpressure) and finally the subscriptions service.
  const clients = await oneKeepsUpOneStops();
  const facts = await chatFacts();
  const body = 'x'.repeat(50_000);
  let sent = 0;
  try {
    // Batches of 1 MB, a quarter of a second apart, until the slow client is shed (at most 60 MB).
    for (let batch = 0; batch < 60; batch++) {
      await facts.send(20, body);
      sent += 20;
      await new Promise((resolve) => setTimeout(resolve, 250));
      if ((await stats(instances))[0].subscriptions < 2) break;
    }
  } finally {
    await facts.close();
  }
  await expectShedWhileTheOtherGotAll(clients, sent);
}, 120_000);

it('sheds a client that stops reading small messages, long before its buffers fill', async () => {
  // A few KB a second: the kernel's socket buffers alone would hold minutes of this, so no
  // unsent-bytes rule ever sees it. Its pings go unanswered while it is fed: shed past 1 s.
  const clients = await oneKeepsUpOneStops();
  const facts = await chatFacts();
  let sent = 0;
  const startedAt = Date.now();
  try {
    // Four messages of 100 bytes every 100 ms, for at most 15 s: 60 KB at most.
    while (Date.now() - startedAt < 15_000) {
      await facts.send(4, 'y'.repeat(100));
      sent += 4;
      await new Promise((resolve) => setTimeout(resolve, 100));
      if ((await stats(instances))[0].subscriptions < 2) break;
    }
  } finally {
    await facts.close();
  }
  await expectShedWhileTheOtherGotAll(clients, sent);
}, 120_000);
