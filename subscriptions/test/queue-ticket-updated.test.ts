import { randomUUID } from 'node:crypto';
import { readServiceList } from '@ko/platform';
import { startStack, testInfrastructure, type Stack, RouterClient } from '@ko/platform/testing';
import {
  connect,
  eventually,
  follow,
  subscriptionsActive,
  type Follower,
  type LiveClient,
} from './live-client';

// queueTicketUpdated through the router, fed by the tickets service's waiting-room facts: the
// holder sees the ticket as it is, then the sale's start give places, one fan admitted, and the
// others told the room closed when that fan bought the last ticket; once they leave, nothing
// of theirs stays subscribed. Anyone else: NOT_FOUND.

const QUEUE_TICKET_UPDATED = `subscription Queue($ticketId: ID!) {
  queueTicketUpdated(ticketId: $ticketId) { id eventId status position estimatedWaitSeconds admittedUntil }
}`;

interface QueueTicket {
  id: string;
  eventId: string;
  status: string;
  position: number | null;
  admittedUntil: string | null;
}
interface Account {
  token: string;
  id: string;
}

let stack: Stack;
let url: string;
let routerWs: string;
let instances: string[];
const clients: LiveClient[] = [];

// The shared fixtures, through the router.
let client: RouterClient;
const ok = (query: string, variables: Record<string, unknown>, token?: string) =>
  client.ok(query, variables, token);
const account = (role: 'FAN' | 'ORGANIZER'): Promise<Account> => client.account(role);

beforeAll(async () => {
  stack = await startStack({
    ...testInfrastructure(),
    services: ['users', 'events', 'tickets', 'subscriptions', 'router'],
    serviceEnv: {
      tickets: { WAITING_ROOM_MAX_ADMITTED: '1', WAITING_ROOM_INTERVAL_MS: '200' },
    },
  });
  url = stack.routerUrl;
  client = new RouterClient(url);
  routerWs = url.replace(/^http/, 'ws');
  instances = readServiceList(stack.serviceListPath).subscriptions;
}, 180_000);

afterAll(async () => {
  await Promise.all(clients.splice(0).map((c) => c.dispose()));
  await stack?.stop({ dropDatabases: true });
});

function followTicket(ticketId: string, who: Account): Follower<QueueTicket> {
  const live = connect(routerWs, who.token);
  clients.push(live);
  return follow<QueueTicket>(live, QUEUE_TICKET_UPDATED, { ticketId }, 'queueTicketUpdated');
}

/** The first payload from now on for which `ok` holds. */
async function payload(
  follower: Follower<QueueTicket>,
  ok: (ticket: QueueTicket) => boolean,
  timeoutMs = 20_000,
): Promise<QueueTicket> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = follower.items.find(ok);
    if (found) return found;
    const remaining = deadline - Date.now();
    if (remaining <= 0) throw new Error(`no such payload; got ${JSON.stringify(follower.items)}`);
    await follower.waitFor(follower.items.length + 1, remaining).catch(() => undefined);
  }
}

it('pushes places, admission and the room closing to each holder, and to nobody else', async () => {
  const organizer = await account('ORGANIZER');
  const [ana, ben, eva, mallory] = await Promise.all([
    account('FAN'),
    account('FAN'),
    account('FAN'),
    account('FAN'),
  ]);
  const created = await ok(
    'mutation($i: CreateEventInput!) { createEvent(input: $i) { id } }',
    {
      i: {
        title: 'Queue Night',
        description: 'Busy',
        category: 'Music',
        venue: 'Hall',
        city: 'Porto',
        startsAt: new Date(Date.now() + 20 * 86_400_000).toISOString(),
      },
    },
    organizer.token,
  );
  const eventId = created.createEvent.id as string;
  const salesStartAt = new Date(Date.now() + 6_000).toISOString();
  const tier = await ok(
    'mutation($e: ID!, $i: TicketTierInput!) { addTicketTier(eventId: $e, input: $i) { id } }',
    { e: eventId, i: { name: 'Only', priceCents: 4500, capacity: 1, salesStartAt } },
    organizer.token,
  );
  await ok('mutation($id: ID!) { publishEvent(id: $id) { id } }', { id: eventId }, organizer.token);
  await ok(
    'mutation($e: ID!, $i: WaitingRoomInput!) { setWaitingRoom(eventId: $e, input: $i) { id } }',
    { e: eventId, i: { enabled: true } },
    organizer.token,
  );
  const fans = [ana, ben, eva];
  const tickets: QueueTicket[] = [];
  for (const fan of fans)
    tickets.push(
      (
        await ok(
          'mutation($e: ID!) { joinWaitingRoom(eventId: $e) { id } }',
          { e: eventId },
          fan.token,
        )
      ).joinWaitingRoom,
    );
  const followers = fans.map((fan, i) => followTicket(tickets[i]!.id, fan));
  const spy = followTicket(tickets[0]!.id, mallory);
  await spy.settled();
  expect(spy.errors.map((e) => e.extensions?.code)).toEqual(['NOT_FOUND']);

  // Each holder first sees the ticket as it is: waiting, no place before the sale starts.
  for (const [i, follower] of followers.entries())
    expect((await follower.waitFor(1))[0]).toMatchObject({
      id: tickets[i]!.id,
      eventId,
      status: 'WAITING',
      position: null,
    });
  await subscriptionsActive(instances, 3);

  // The sale starts: every holder is told a place, then the first is admitted and the two
  // others wait at positions 1 and 2.
  const latest = () => followers.map((f) => f.items[f.items.length - 1]!);
  const seen = await eventually(
    async () => latest(),
    (now) =>
      now.filter((t) => t.status === 'ADMITTED').length === 1 &&
      JSON.stringify(
        now
          .filter((t) => t.status === 'WAITING')
          .map((t) => t.position)
          .sort(),
      ) === '[1,2]',
  );
  const admitted = seen.findIndex((t) => t.status === 'ADMITTED');
  expect(seen[admitted]!.admittedUntil).not.toBeNull();
  for (const follower of followers)
    expect(follower.items.some((t) => t.status === 'WAITING' && t.position !== null)).toBe(true);

  // The admitted fan buys the only ticket: everyone still waiting is told the room closed.
  await ok(
    'mutation($i: PurchaseInput!) { purchaseTickets(input: $i) { id } }',
    { i: { tierId: tier.addTicketTier.id, quantity: 1, idempotencyKey: randomUUID() } },
    fans[admitted]!.token,
  );
  const others = followers.filter((_, i) => i !== admitted);
  const closed = await Promise.all(others.map((f) => payload(f, (t) => t.status === 'CLOSED')));
  expect(closed.map((t) => t.position)).toEqual([null, null]);

  // Fans who leave stop being followed, though their tickets will never change again.
  await Promise.all(clients.splice(0).map((c) => c.dispose()));
  await subscriptionsActive(instances, 0);
});

// Last: it stops the tickets service.
it('leaves nothing subscribed when a ticket cannot be read', async () => {
  const fan = await account('FAN');
  await stack.instances('tickets')[0]!.stop();
  const follower = followTicket(randomUUID(), fan);
  await follower.settled();
  expect(follower.errors).toHaveLength(1);
  await subscriptionsActive(instances, 0);
});
