import { randomUUID } from 'node:crypto';
import WebSocket from 'ws';
import { readServiceList } from '@ko/platform';
import {
  errorCodes,
  graphql,
  loggedLines,
  produceAs,
  startStack,
  testInfrastructure,
  type Stack,
  RouterClient,
  inDays,
} from '@ko/platform/testing';
import {
  connect,
  eventually,
  follow,
  stats,
  subscriptionsActive,
  type LiveClient,
} from './live-client';

const MESSAGE_POSTED = `subscription Chat($eventId: ID!) {
  messagePosted(eventId: $eventId) { id body kind createdAt eventId author { id name } event { id } }
}`;
const MESSAGE_DELETED = 'subscription Deleted($eventId: ID!) { messageDeleted(eventId: $eventId) }';
const TICKETS_SOLD = `subscription Sales($eventId: ID!) {
  ticketsSold(eventId: $eventId) { eventId tierId tierName orderId quantity sold available capacity soldAt }
}`;
const POST =
  'mutation Post($eventId: ID!, $body: String!) { postMessage(eventId: $eventId, body: $body) { id } }';
const ANNOUNCE =
  'mutation Announce($eventId: ID!, $body: String!) { postAnnouncement(eventId: $eventId, body: $body) { id } }';
const ADD_TIER =
  'mutation AddTier($eventId: ID!, $input: TicketTierInput!) { addTicketTier(eventId: $eventId, input: $input) { id } }';
const PURCHASE =
  'mutation Purchase($input: PurchaseInput!) { purchaseTickets(input: $input) { id createdAt } }';

interface Account {
  token: string;
  id: string;
  name: string;
}
interface Message {
  id: string;
  body: string;
  kind: string;
  createdAt: string;
  eventId: string;
  author: { id: string; name: string };
  event: { id: string };
}

let stack: Stack;
let url: string;
let routerWs: string;
let instances: string[];
let organizer: Account;
let otherOrganizer: Account;
let fans: Account[];
let eventA: string;
let eventB: string;
const clients: LiveClient[] = [];

let client: RouterClient;

async function account(email: string, role: 'FAN' | 'ORGANIZER', name: string): Promise<Account> {
  const { token, id } = await client.account(role, name, { email });
  return { token, id, name };
}

async function publishedEvent(token: string, title: string): Promise<string> {
  const created = await graphql(
    url,
    'mutation($i: CreateEventInput!) { createEvent(input: $i) { id } }',
    {
      i: {
        title,
        description: 'Live',
        category: 'Music',
        venue: 'Hall',
        city: 'Porto',
        startsAt: inDays(10),
      },
    },
    token,
  );
  const id = created.data!.createEvent.id as string;
  await graphql(url, 'mutation($id: ID!) { publishEvent(id: $id) { id } }', { id }, token);
  return id;
}

/** Posts through the router like a client; returns the new message's id. */
async function post(by: Account, eventId: string, body: string, mutation = POST): Promise<string> {
  const result = await graphql(url, mutation, { eventId, body }, by.token);
  expect(result.errors).toBeUndefined();
  return (result.data!.postMessage ?? result.data!.postAnnouncement).id;
}

function open(target: string, who?: Account): LiveClient {
  const live = connect(target, who?.token);
  clients.push(live);
  return live;
}

/** A `chat.message.posted` envelope on event A by the second fan, with `data` overriding fields. */
const postedFact = (data: Record<string, unknown>) => ({
  id: randomUUID(),
  type: 'chat.message.posted',
  version: 1,
  occurredAt: new Date().toISOString(),
  data: {
    id: randomUUID(),
    eventId: eventA,
    body: 'valid',
    kind: 'MESSAGE',
    authorId: fans[1].id,
    authorName: fans[1].name,
    createdAt: new Date().toISOString(),
    ...data,
  },
});

/** Writes to chat.messages as the chat service would: only its account may. */
const produceAsChat = (values: string[]) => {
  const { kafkaBrokers, kafkaCredentials } = testInfrastructure();
  return produceAs(
    { brokers: kafkaBrokers, login: kafkaCredentials.services.chat },
    'chat.messages',
    eventA,
    values,
  );
};

const live = async () => (await stats(instances)).reduce((sum, s) => sum + s.subscriptions, 0);

beforeAll(async () => {
  stack = await startStack({
    ...testInfrastructure(),
    services: ['users', 'events', 'tickets', 'chat', 'subscriptions', 'router'],
    instances: { subscriptions: 2 },
    // Short keep-alive so the dead-client test needs no long wait (healthy clients answer pings at once).
    serviceEnv: { subscriptions: { KEEP_ALIVE_MS: '3000' } },
  });
  url = stack.routerUrl;
  client = new RouterClient(url);
  routerWs = url.replace(/^http/, 'ws');
  instances = readServiceList(stack.serviceListPath).subscriptions;
  expect(instances).toHaveLength(2);
  [organizer, otherOrganizer, ...fans] = await Promise.all([
    account('live-org@example.com', 'ORGANIZER', 'Olga Organizer'),
    account('live-org2@example.com', 'ORGANIZER', 'Otto Other'),
    account('live-fan1@example.com', 'FAN', 'Fiona Fan'),
    account('live-fan2@example.com', 'FAN', 'Felix Fan'),
    account('live-fan3@example.com', 'FAN', 'Frida Fan'),
  ]);
  [eventA, eventB] = await Promise.all([
    publishedEvent(organizer.token, 'Event A'),
    publishedEvent(organizer.token, 'Event B'),
  ]);
});

afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.dispose()));
  // Every test starts with no live subscriptions left behind.
  await subscriptionsActive(instances, 0);
});

afterAll(() => stack?.stop({ dropDatabases: true }));

describe('through the router', () => {
  it("delivers an event's messages and announcements to its subscribers only, in order, exactly once", async () => {
    const [fan1, fan2, fan3] = fans;
    const onA = [fan1, fan2, organizer].map((who) =>
      follow<Message>(open(routerWs, who), MESSAGE_POSTED, { eventId: eventA }, 'messagePosted'),
    );
    const onB = follow<Message>(
      open(routerWs, fan3),
      MESSAGE_POSTED,
      { eventId: eventB },
      'messagePosted',
    );
    const perInstance = await subscriptionsActive(instances, 4);
    // The router spread the connections over both instances, and each delivers to its own clients.
    expect(perInstance.map((s) => s.subscriptions).sort()).toEqual([2, 2]);

    const sent: Array<{ id: string; body: string; kind: string; author: Account }> = [];
    const send = async (by: Account, body: string, kind: 'MESSAGE' | 'ANNOUNCEMENT' = 'MESSAGE') =>
      sent.push({
        id: await post(by, eventA, body, kind === 'MESSAGE' ? POST : ANNOUNCE),
        body,
        kind,
        author: by,
      });
    await send(fan1, 'Hi all!');
    await send(fan2, 'Hello from row 12');
    const onBFirst = await post(fan3, eventB, 'Only for event B');
    await send(fan1, 'Who else is here early?');
    await send(organizer, 'Doors open at 19:00', 'ANNOUNCEMENT');
    await send(fan2, 'See you there');
    // Last of all: a marker on each event. A duplicate or a stray message would arrive before it.
    await send(organizer, 'End of test', 'ANNOUNCEMENT');
    const onBLast = await post(fan3, eventB, 'Event B marker');

    const expected = sent.map((m) => ({
      id: m.id,
      body: m.body,
      kind: m.kind,
      eventId: eventA,
      event: { id: eventA },
      author: { id: m.author.id, name: m.author.name },
    }));
    for (const follower of onA) {
      await follower.waitFor(sent.length);
      expect(follower.items.map(({ createdAt: _createdAt, ...rest }) => rest)).toEqual(expected);
      expect(follower.errors).toEqual([]);
    }
    await onB.waitFor(2);
    expect(onB.items.map((m) => m.id)).toEqual([onBFirst, onBLast]);
    expect(onB.items.every((m) => m.eventId === eventB)).toBe(true);
  });

  it('tells subscribers when a message is deleted', async () => {
    const deleted = follow<string>(
      open(routerWs, fans[0]),
      MESSAGE_DELETED,
      { eventId: eventA },
      'messageDeleted',
    );
    await subscriptionsActive(instances, 1);
    const id = await post(fans[0], eventA, 'Oops, wrong chat');
    const result = await graphql(
      url,
      'mutation($id: ID!) { deleteMessage(id: $id) }',
      { id },
      organizer.token,
    );
    expect(result.data!.deleteMessage).toBe(id);
    expect(await deleted.waitFor(1)).toEqual([id]);
  });

  it('unsubscribes cleanly: the instance forgets the subscription and sends nothing more', async () => {
    const socket = open(routerWs, fans[0]);
    const leaving = follow<Message>(socket, MESSAGE_POSTED, { eventId: eventA }, 'messagePosted');
    const staying = follow<Message>(socket, MESSAGE_POSTED, { eventId: eventA }, 'messagePosted');
    await subscriptionsActive(instances, 2);
    await post(fans[1], eventA, 'first');
    await leaving.waitFor(1);
    leaving.unsubscribe();
    await subscriptionsActive(instances, 1);
    await post(fans[1], eventA, 'second');
    await staying.waitFor(2);
    expect(leaving.items.map((m) => m.body)).toEqual(['first']);
    expect(staying.items.map((m) => m.body)).toEqual(['first', 'second']);
  });
});

describe('keep-alive', () => {
  it('disconnects a client that stops answering pings, while others keep receiving', async () => {
    const healthy = follow<Message>(
      open(routerWs, fans[0]),
      MESSAGE_POSTED,
      { eventId: eventA },
      'messagePosted',
    );
    // A raw graphql-transport-ws client whose network "died": it never answers the server's pings.
    const silent = new WebSocket(routerWs, 'graphql-transport-ws', { autoPong: false });
    const closed = new Promise<number>((resolve) => silent.on('close', (code) => resolve(code)));
    await new Promise((resolve) => silent.once('open', resolve));
    const acknowledged = new Promise((resolve) => silent.once('message', resolve));
    silent.send(JSON.stringify({ type: 'connection_init', payload: {} }));
    expect(JSON.parse(String(await acknowledged))).toEqual({ type: 'connection_ack' });
    silent.send(
      JSON.stringify({
        id: '1',
        type: 'subscribe',
        payload: { query: MESSAGE_POSTED, variables: { eventId: eventA } },
      }),
    );
    await subscriptionsActive(instances, 2);
    // Terminated without a closing handshake (1006), and its subscription is gone.
    expect(await closed).toBe(1006);
    await subscriptionsActive(instances, 1);
    const id = await post(fans[1], eventA, 'still here');
    expect((await healthy.waitFor(1)).map((m) => m.id)).toEqual([id]);
  });
});

describe('at-least-once delivery', () => {
  it('delivers a fact redelivered by Kafka (same envelope id) once', async () => {
    const chat = follow<Message>(
      open(routerWs, fans[0]),
      MESSAGE_POSTED,
      { eventId: eventA },
      'messagePosted',
    );
    await subscriptionsActive(instances, 1);
    // What the outbox relay sends again after a crash between send and mark: the same envelope.
    const envelope = postedFact({ body: 'Sent twice' });
    const value = JSON.stringify(envelope);
    await produceAsChat([value, value]);
    // A real message posted afterwards on the same event (same partition) comes in behind them.
    const marker = await post(fans[0], eventA, 'marker');
    await chat.waitFor(2);
    expect(chat.items.map((m) => m.id)).toEqual([envelope.data.id, marker]);
    expect(chat.items[0].author).toEqual({ id: fans[1].id, name: fans[1].name });
  });
});

describe('facts that do not parse', () => {
  it('skips, counts and logs a malformed fact and goes on delivering the next ones', async () => {
    const chat = follow<Message>(
      open(routerWs, fans[0]),
      MESSAGE_POSTED,
      { eventId: eventA },
      'messagePosted',
    );
    await subscriptionsActive(instances, 1);
    const before = await stats(instances);
    const valid = postedFact({ body: 'Right after the bad ones' });
    const malformed = [
      'not json at all',
      JSON.stringify({ id: 'no-envelope' }),
      // Each would make a live update that is not one: no body, an unknown kind, a bad event id.
      JSON.stringify(postedFact({ body: undefined })),
      JSON.stringify(postedFact({ kind: 'SHOUT' })),
      JSON.stringify(postedFact({ eventId: 'not-a-uuid' })),
    ];
    await produceAsChat([...malformed, JSON.stringify(valid)]);
    const marker = await post(fans[0], eventA, 'marker after the bad facts');
    await chat.waitFor(2);
    expect(chat.items.map((m) => m.id)).toEqual([valid.data.id, marker]);
    expect(chat.items[0].body).toBe('Right after the bad ones');
    // Every instance counted each bad fact and kept consuming.
    const after = await stats(instances);
    for (const [i, s] of after.entries()) {
      expect(s.consuming).toBe(true);
      expect(s.factsSkipped.malformed - before[i].factsSkipped.malformed).toBe(malformed.length);
      // Operators read the process's memory beside its counts.
      expect(s.memoryMb.rss).toBeGreaterThan(s.memoryMb.heapUsed);
      expect(s.memoryMb.heapSpaces.old_space).toBeGreaterThan(0);
    }
    // And logged each one with where it lies.
    const logged = await eventually(
      async () => loggedLines(stack, 'subscriptions-1', 'not a valid fact'),
      (lines) => lines.length >= malformed.length,
    );
    expect(logged[0]).toMatchObject({ topic: 'chat.messages', level: 40 });
    expect(logged[0]).toHaveProperty('partition');
    expect(logged[0]).toHaveProperty('offset');
  });
});

describe('two subscriptions instances', () => {
  it('delivers every message to clients of each instance', async () => {
    const followers = instances.flatMap((instance) =>
      [fans[0], fans[1]].map((who) =>
        follow<Message>(open(instance, who), MESSAGE_POSTED, { eventId: eventA }, 'messagePosted'),
      ),
    );
    const perInstance = await subscriptionsActive(instances, 4);
    expect(perInstance.map((s) => s.subscriptions)).toEqual([2, 2]);
    const ids: string[] = [];
    for (let i = 1; i <= 5; i++) ids.push(await post(fans[i % 3], eventA, `fan-out ${i}`));
    for (const follower of followers) {
      await follower.waitFor(ids.length);
      expect(follower.items.map((m) => m.id)).toEqual(ids);
    }
  });
});

describe('auth', () => {
  it('closes a connection with a bad token with 4401 and a reason', async () => {
    const forged = `${organizer.token.slice(0, -4)}AAAA`;
    const live = connect(routerWs, forged);
    clients.push(live);
    expect(await live.closed).toEqual({
      code: 4401,
      reason: 'The token is invalid; sign in again.',
    });

    const unprefixed = connect(routerWs, undefined, organizer.token);
    clients.push(unprefixed);
    const closed = await unprefixed.closed;
    expect(closed.code).toBe(4401);
    expect(closed.reason).toContain('Bearer');
  });

  it('lets anyone follow a chat, but a missing token closes a ticketsSold subscription with 4401', async () => {
    const anonymous = open(routerWs);
    const chat = follow<Message>(anonymous, MESSAGE_POSTED, { eventId: eventA }, 'messagePosted');
    await subscriptionsActive(instances, 1);
    const id = await post(fans[0], eventA, 'Hello, lurkers');
    expect((await chat.waitFor(1)).map((m) => m.id)).toEqual([id]);

    follow(anonymous, TICKETS_SOLD, { eventId: eventA }, 'ticketsSold');
    const closed = await anonymous.closed;
    expect(closed.code).toBe(4401);
    expect(closed.reason).toMatch(/Sign in to follow ticket sales/);
  });

  it("refuses a fan's and another organizer's ticketsSold with FORBIDDEN, and an unknown event with NOT_FOUND", async () => {
    const byFan = follow(open(routerWs, fans[0]), TICKETS_SOLD, { eventId: eventA }, 'ticketsSold');
    const byOther = follow(
      open(routerWs, otherOrganizer),
      TICKETS_SOLD,
      { eventId: eventA },
      'ticketsSold',
    );
    const unknown = follow(
      open(routerWs, organizer),
      TICKETS_SOLD,
      { eventId: randomUUID() },
      'ticketsSold',
    );
    await Promise.all([byFan.settled(), byOther.settled(), unknown.settled()]);
    expect(byFan.errors.map((e) => e.extensions?.code)).toEqual(['FORBIDDEN']);
    expect(byFan.errors[0].message).toMatch(/organizer/);
    expect(byOther.errors.map((e) => e.extensions?.code)).toEqual(['FORBIDDEN']);
    expect(unknown.errors.map((e) => e.extensions?.code)).toEqual(['NOT_FOUND']);
    expect([byFan, byOther, unknown].every((f) => f.items.length === 0)).toBe(true);
    expect(await live()).toBe(0);
  });

  it('refuses an operation that selects too many fields (the router cannot limit WebSocket operations)', async () => {
    const aliases = Array.from({ length: 101 }, (_, i) => `f${i}: id`).join(' ');
    const greedy = follow(
      open(routerWs),
      `subscription($eventId: ID!) { messagePosted(eventId: $eventId) { ${aliases} } }`,
      { eventId: eventA },
      'messagePosted',
    );
    await greedy.settled();
    expect(greedy.errors.map((e) => e.extensions?.code)).toEqual(['BAD_USER_INPUT']);
    expect(await live()).toBe(0);
  });

  it('refuses a document that does not parse or validate with the codes HTTP gives, and keeps the connection', async () => {
    const live = open(routerWs);
    const broken = follow(live, 'subscription { messagePosted(eventId: ', {}, 'messagePosted');
    const unknown = follow(
      live,
      'subscription($eventId: ID!) { messagePosted(eventId: $eventId) { id mood } }',
      { eventId: eventA },
      'messagePosted',
    );
    await Promise.all([broken.settled(), unknown.settled()]);
    expect(broken.errors.map((e) => e.extensions?.code)).toEqual(['GRAPHQL_PARSE_FAILED']);
    expect(unknown.errors.map((e) => e.extensions?.code)).toEqual(['GRAPHQL_VALIDATION_FAILED']);
    expect(unknown.errors[0].message).toMatch(/mood/);
    // The same connection still subscribes and receives.
    const chat = follow<{ body: string }>(
      live,
      MESSAGE_POSTED,
      { eventId: eventA },
      'messagePosted',
    );
    await subscriptionsActive(instances, 1);
    await post(fans[0], eventA, 'after the broken ones');
    await chat.waitFor(1);
    expect(chat.items[0].body).toBe('after the broken ones');
    chat.unsubscribe();
  });

  it('refuses anonymous postMessage and a fan’s postAnnouncement', async () => {
    expect(errorCodes(await graphql(url, POST, { eventId: eventA, body: 'anonymous' }))).toEqual([
      'UNAUTHENTICATED',
    ]);
    expect(
      errorCodes(
        await graphql(url, ANNOUNCE, { eventId: eventA, body: 'fake news' }, fans[0].token),
      ),
    ).toEqual(['FORBIDDEN']);
  });

  it('sends the organizer ticketsSold updates when tickets of their event are bought, and only of that event', async () => {
    const sales = follow<Record<string, unknown>>(
      open(routerWs, organizer),
      TICKETS_SOLD,
      { eventId: eventA },
      'ticketsSold',
    );
    await subscriptionsActive(instances, 1);

    const addTier = (eventId: string) =>
      graphql(
        url,
        ADD_TIER,
        { eventId, input: { name: 'General admission', priceCents: 2_500, capacity: 100 } },
        organizer.token,
      );
    const tierA = (await addTier(eventA)).data!.addTicketTier.id as string;
    const tierB = (await addTier(eventB)).data!.addTicketTier.id as string;
    const buy = async (by: Account, tierId: string, quantity: number) => {
      const result = await graphql(
        url,
        PURCHASE,
        { input: { tierId, quantity, idempotencyKey: randomUUID() } },
        by.token,
      );
      expect(result.errors).toBeUndefined();
      return result.data!.purchaseTickets as { id: string; createdAt: string };
    };
    const first = await buy(fans[0], tierA, 2);
    await buy(fans[1], tierB, 1); // another event's sale: not for this subscription
    const second = await buy(fans[2], tierA, 3);

    await sales.waitFor(2);
    const update = (order: { id: string; createdAt: string }, quantity: number, sold: number) => ({
      eventId: eventA,
      tierId: tierA,
      tierName: 'General admission',
      orderId: order.id,
      quantity,
      sold,
      available: 100 - sold,
      capacity: 100,
      soldAt: order.createdAt,
    });
    expect(sales.items).toEqual([update(first, 2, 2), update(second, 3, 5)]);
    expect(sales.errors).toEqual([]);
  });
});
