import { readServiceList } from '@ko/platform';
import {
  graphql,
  produceAs,
  startStack,
  testInfrastructure,
  type Stack,
  RouterClient,
  inDays,
} from '@ko/platform/testing';
import {
  chatMessageFact,
  connect,
  stats,
  subscriptionsActive,
  type LiveClient,
} from './live-client';

export const MESSAGE_POSTED = `subscription Chat($eventId: ID!) {
  messagePosted(eventId: $eventId) { id body kind createdAt eventId author { id name } event { id } }
}`;
export const MESSAGE_DELETED =
  'subscription Deleted($eventId: ID!) { messageDeleted(eventId: $eventId) }';
export const TICKETS_SOLD = `subscription Sales($eventId: ID!) {
  ticketsSold(eventId: $eventId) { eventId tierId tierName orderId quantity sold available capacity soldAt }
}`;
export const POST =
  'mutation Post($eventId: ID!, $body: String!) { postMessage(eventId: $eventId, body: $body) { id } }';
export const ANNOUNCE =
  'mutation Announce($eventId: ID!, $body: String!) { postAnnouncement(eventId: $eventId, body: $body) { id } }';
export const ADD_TIER =
  'mutation AddTier($eventId: ID!, $input: TicketTierInput!) { addTicketTier(eventId: $eventId, input: $input) { id } }';
export const PURCHASE =
  'mutation Purchase($input: PurchaseInput!) { purchaseTickets(input: $input) { id createdAt } }';

export interface Account {
  token: string;
  id: string;
  name: string;
}
export interface Message {
  id: string;
  body: string;
  kind: string;
  createdAt: string;
  eventId: string;
  author: { id: string; name: string };
  event: { id: string };
}

export let stack: Stack;
export let url: string;
export let routerWs: string;
export let instances: string[];
export let organizer: Account;
export let otherOrganizer: Account;
export let fans: Account[];
export let eventA: string;
export let eventB: string;
export const clients: LiveClient[] = [];

export let client: RouterClient;

export async function account(
  email: string,
  role: 'FAN' | 'ORGANIZER',
  name: string,
): Promise<Account> {
  const { token, id } = await client.account(role, name, { email });
  return { token, id, name };
}

export async function publishedEvent(token: string, title: string): Promise<string> {
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
export async function post(
  by: Account,
  eventId: string,
  body: string,
  mutation = POST,
): Promise<string> {
  const result = await graphql(url, mutation, { eventId, body }, by.token);
  expect(result.errors).toBeUndefined();
  return (result.data!.postMessage ?? result.data!.postAnnouncement).id;
}

export function open(target: string, who?: Account): LiveClient {
  const live = connect(target, who?.token);
  clients.push(live);
  return live;
}

/** A `chat.message.posted` envelope on event A by the second fan, with `data` overriding fields. */
export const postedFact = (data: Record<string, unknown>) =>
  chatMessageFact({ eventId: eventA, authorId: fans[1].id, authorName: fans[1].name, ...data });

/** Writes to chat.messages as the chat service would: only its account may. */
export const produceAsChat = (values: string[]) => {
  const { kafkaBrokers, kafkaCredentials } = testInfrastructure();
  return produceAs(
    { brokers: kafkaBrokers, login: kafkaCredentials.services.chat },
    'chat.messages',
    eventA,
    values,
  );
};

export const live = async () =>
  (await stats(instances)).reduce((sum, s) => sum + s.subscriptions, 0);

/**
 * The live suites' stack (two subscriptions instances behind the router, a short keep-alive),
 * their accounts and two published events; every test starts with no subscription left.
 */
export function setUpLiveWorld(): void {
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
}
