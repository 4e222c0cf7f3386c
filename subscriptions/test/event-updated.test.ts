import { randomUUID } from 'node:crypto';
import { readServiceList } from '@ko/platform';
import {
  eventually,
  startStack,
  testInfrastructure,
  type Stack,
  RouterClient,
  inDays,
} from '@ko/platform/testing';
import {
  connect,
  follow,
  subscriptionsActive,
  type Follower,
  type LiveClient,
} from './live-client';

// eventUpdated through the router, fed by real facts: a purchase, a hold taken and given back,
// a new tier, a tier's change and a cancellation each reach a follower; a draft's updates only its organizer.

const EVENT_UPDATED = `subscription Updated($eventId: ID!) {
  eventUpdated(eventId: $eventId) {
    eventId status tiers { tierId name available onSale salesStartAt }
  }
}`;

interface Update {
  eventId: string;
  status: string;
  tiers: Array<{
    tierId: string;
    name: string;
    available: number;
    onSale: boolean;
    salesStartAt: string | null;
  }>;
}
interface Account {
  token: string;
  id: string;
}

let stack: Stack;
let url: string;
let routerWs: string;
let instances: string[];
let organizer: Account;
let fan: Account;
const clients: LiveClient[] = [];

// The shared fixtures, through the router.
let client: RouterClient;
const ok = (query: string, variables: Record<string, unknown>, token?: string) =>
  client.ok(query, variables, token);
const account = (role: 'FAN' | 'ORGANIZER'): Promise<Account> => client.account(role);

/** An event with two tiers (Standing 10, Seated 5), published unless told. */
async function event(publish = true): Promise<{ id: string; standing: string; seated: string }> {
  const created = await ok(
    'mutation($i: CreateEventInput!) { createEvent(input: $i) { id } }',
    {
      i: {
        title: 'Live Night',
        description: 'Live',
        category: 'Music',
        venue: 'Hall',
        city: 'Porto',
        startsAt: inDays(20),
        timeZone: 'Europe/Lisbon',
      },
    },
    organizer.token,
  );
  const id = created.createEvent.id as string;
  const tier = async (name: string, capacity: number) =>
    (
      await ok(
        'mutation($e: ID!, $i: TicketTierInput!) { addTicketTier(eventId: $e, input: $i) { id } }',
        { e: id, i: { name, priceCents: 4500, capacity } },
        organizer.token,
      )
    ).addTicketTier.id as string;
  const standing = await tier('Standing', 10);
  const seated = await tier('Seated', 5);
  if (publish)
    await ok('mutation($id: ID!) { publishEvent(id: $id) { id } }', { id }, organizer.token);
  return { id, standing, seated };
}

function followEvent(eventId: string, who?: Account) {
  const live = connect(routerWs, who?.token);
  clients.push(live);
  const follower = follow<Update>(live, EVENT_UPDATED, { eventId }, 'eventUpdated');
  return follower;
}

const availability = (update: Update) =>
  Object.fromEntries(update.tiers.map((t) => [t.name, t.available]));

const sorted = (tiers: Record<string, number>) => JSON.stringify(Object.entries(tiers).sort());

/**
 * The first update, from now on, that shows `expected`; rejects if none came within `timeoutMs`.
 * Updates of earlier changes (the tiers added before publishing) may still arrive first.
 */
async function updateShowing(
  follower: Follower<Update>,
  expected: { status?: string; tiers: Record<string, number> },
  timeoutMs = 10_000,
): Promise<Update> {
  const from = follower.items.length;
  const matches = (u: Update) =>
    (!expected.status || u.status === expected.status) &&
    sorted(availability(u)) === sorted(expected.tiers);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = follower.items.slice(from).find(matches);
    if (found) return found;
    const remaining = deadline - Date.now();
    if (remaining <= 0)
      throw new Error(
        `no update showing ${JSON.stringify(expected)} within ${timeoutMs} ms; got ${JSON.stringify(follower.items.slice(from))}`,
      );
    await follower.waitFor(follower.items.length + 1, remaining).catch(() => undefined);
  }
}

beforeAll(async () => {
  stack = await startStack({
    ...testInfrastructure(),
    services: ['users', 'events', 'tickets', 'subscriptions', 'router'],
  });
  url = stack.routerUrl;
  client = new RouterClient(url);
  routerWs = url.replace(/^http/, 'ws');
  instances = readServiceList(stack.serviceListPath).subscriptions;
  [organizer, fan] = await Promise.all([account('ORGANIZER'), account('FAN')]);
});

afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.dispose()));
  await subscriptionsActive(instances, 0);
});

afterAll(() => stack?.stop({ dropDatabases: true }));

describe('eventUpdated', () => {
  it("pushes a purchase to an anonymous follower, with every tier's places", async () => {
    const { id, standing } = await event();
    const follower = followEvent(id);
    await subscriptionsActive(instances, 1);
    await ok(
      'mutation($i: PurchaseInput!) { purchaseTickets(input: $i) { id } }',
      { i: { tierId: standing, quantity: 3, idempotencyKey: randomUUID() } },
      fan.token,
    );
    const update = await updateShowing(follower, {
      status: 'ON_SALE',
      tiers: { Standing: 7, Seated: 5 },
    });
    expect(update.eventId).toBe(id);
  });

  it('pushes a hold taken and given back, and a tier added while on sale', async () => {
    const { id, seated } = await event();
    const follower = followEvent(id, fan);
    await subscriptionsActive(instances, 1);
    const hold = await ok(
      'mutation($i: ReserveInput!) { reserveTickets(input: $i) { id } }',
      { i: { tierId: seated, quantity: 5 } },
      fan.token,
    );
    await updateShowing(follower, { tiers: { Standing: 10, Seated: 0 } });
    await ok(
      'mutation($id: ID!) { releaseHold(holdId: $id) { status } }',
      { id: hold.reserveTickets.id },
      fan.token,
    );
    await updateShowing(follower, { tiers: { Standing: 10, Seated: 5 } });
    await ok(
      'mutation($e: ID!, $i: TicketTierInput!) { addTicketTier(eventId: $e, input: $i) { id } }',
      { e: id, i: { name: 'Balcony', priceCents: 3000, capacity: 8 } },
      organizer.token,
    );
    await updateShowing(follower, { tiers: { Standing: 10, Seated: 5, Balcony: 8 } });
  });

  it("pushes an organizer's change of a tier's name and capacity", async () => {
    const { id, standing } = await event();
    const follower = followEvent(id);
    await subscriptionsActive(instances, 1);
    await ok(
      'mutation($id: ID!, $i: UpdateTicketTierInput!) { updateTicketTier(id: $id, input: $i) { id } }',
      { id: standing, i: { name: 'Floor', capacity: 4 } },
      organizer.token,
    );
    await updateShowing(follower, { tiers: { Floor: 4, Seated: 5 } });
  });

  it('opens a tier on sale at the start its organizer moved it to, with no other change', async () => {
    const { id, standing } = await event();
    const follower = followEvent(id);
    await subscriptionsActive(instances, 1);
    const opensAt = new Date(Date.now() + 4_000).toISOString();
    await ok(
      'mutation($id: ID!, $i: UpdateTicketTierInput!) { updateTicketTier(id: $id, input: $i) { id } }',
      { id: standing, i: { salesStartAt: opensAt } },
      organizer.token,
    );
    const onSale = (u: Update) => u.tiers.find((t) => t.tierId === standing)!.onSale;
    // First the window moved (not on sale yet), then, at the start and with nothing else
    // happening, the sale opened.
    const waiting = await eventually(
      'an update with the new window',
      () => follower.items.findIndex((u) => u.tiers.some((t) => t.salesStartAt !== null)),
      (index) => index >= 0,
    );
    const moved = follower.items[waiting]!;
    expect(onSale(moved)).toBe(false);
    expect(Date.parse(moved.tiers.find((t) => t.tierId === standing)!.salesStartAt!)).toBe(
      Date.parse(opensAt),
    );
    const opened = await eventually(
      'an update opening the sale',
      () => follower.items.slice(waiting + 1).find(onSale),
      (u) => u !== undefined,
      15_000,
    );
    expect(Date.now()).toBeGreaterThanOrEqual(Date.parse(opensAt));
    expect(availability(opened!)).toEqual({ Standing: 10, Seated: 5 });
  });

  it('pushes a cancellation: status CANCELLED and nothing for sale', async () => {
    const { id } = await event();
    const follower = followEvent(id, fan);
    await subscriptionsActive(instances, 1);
    await ok('mutation($id: ID!) { cancelEvent(id: $id) { id } }', { id }, organizer.token);
    await updateShowing(follower, { status: 'CANCELLED', tiers: { Standing: 0, Seated: 0 } });
  });

  it("refuses a draft's updates to anyone but its organizer, who gets them", async () => {
    const { id } = await event(false);
    const stranger = followEvent(id, fan);
    await stranger.settled();
    expect(stranger.errors.map((e) => e.extensions?.code)).toEqual(['NOT_FOUND']);
    const anonymous = followEvent(id);
    await anonymous.settled();
    expect(anonymous.errors.map((e) => e.extensions?.code)).toEqual(['NOT_FOUND']);

    const own = followEvent(id, organizer);
    await subscriptionsActive(instances, 1);
    await ok(
      'mutation($e: ID!, $i: TicketTierInput!) { addTicketTier(eventId: $e, input: $i) { id } }',
      { e: id, i: { name: 'Early', priceCents: 1000, capacity: 3 } },
      organizer.token,
    );
    // A draft sells nothing yet, so its tiers show no places for sale.
    await updateShowing(own, { status: 'DRAFT', tiers: { Standing: 0, Seated: 0, Early: 0 } });
    await ok('mutation($id: ID!) { publishEvent(id: $id) { id } }', { id }, organizer.token);
    await updateShowing(own, {
      status: 'ON_SALE',
      tiers: { Standing: 10, Seated: 5, Early: 3 },
    });
  });
});
