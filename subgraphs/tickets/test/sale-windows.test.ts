import { randomUUID } from 'node:crypto';
import {
  ADD_TIER,
  errorCodes,
  graphql,
  RouterClient,
  startStack,
  testInfrastructure,
  type GraphQLResult,
  type Stack,
} from '@ko/platform/testing';
import { RESERVE } from './helpers';

// Sale windows through the router: a tier is neither held nor bought before its salesStartAt or
// from its salesEndAt on, and opens by itself when its start comes.
let stack: Stack;
let client: RouterClient;
let organizer: { token: string; id: string };
let fan: { token: string; id: string };

const UPDATE = `mutation Update($id: ID!, $input: UpdateTicketTierInput!) {
  updateTicketTier(id: $id, input: $input) { id salesStartAt salesEndAt }
}`;
const at = (ms: number) => new Date(Date.now() + ms).toISOString();

beforeAll(async () => {
  stack = await startStack({
    ...testInfrastructure(),
    services: ['users', 'events', 'tickets', 'router'],
  });
  client = new RouterClient(stack.routerUrl);
  [organizer, fan] = await Promise.all([client.account('ORGANIZER'), client.account('FAN')]);
});

afterAll(async () => {
  await stack?.stop({ dropDatabases: true });
});

const eventOf = new Map<string, string>();

async function tierWith(window: { salesStartAt?: string; salesEndAt?: string }) {
  const event = await client.event(organizer.token, []);
  const added = await client.ok(
    ADD_TIER,
    { eventId: event.id, input: { name: 'Floor', priceCents: 1_000, capacity: 10, ...window } },
    organizer.token,
  );
  eventOf.set(added.addTicketTier.id, event.id);
  return added.addTicketTier.id as string;
}

const reserve = (tierId: string) =>
  graphql(stack.routerUrl, RESERVE, { input: { tierId, quantity: 1 } }, fan.token);

const refusal = (result: GraphQLResult) => result.errors?.[0]?.extensions;

it('refuses holds and purchases before the window opens, naming the window', async () => {
  const start = at(3_600_000);
  const tierId = await tierWith({ salesStartAt: start });
  for (const result of [await reserve(tierId), await client.purchase(fan.token, tierId, 1)]) {
    expect(errorCodes(result)).toEqual(['NOT_ON_SALE']);
    expect(refusal(result)).toMatchObject({ tierId, salesStartAt: start, salesEndAt: null });
  }
  const seen = await client.ok(
    'query($id: ID!) { event(id: $id) { tiers { id salesStartAt salesEndAt } } }',
    { id: eventOf.get(tierId) },
  );
  expect(seen.event.tiers).toEqual([{ id: tierId, salesStartAt: start, salesEndAt: null }]);
});

it('refuses holds and purchases once the window has closed', async () => {
  const end = at(-1_000);
  const tierId = await tierWith({ salesEndAt: end });
  for (const result of [await reserve(tierId), await client.purchase(fan.token, tierId, 1)]) {
    expect(errorCodes(result)).toEqual(['NOT_ON_SALE']);
    expect(refusal(result)).toMatchObject({ tierId, salesStartAt: null, salesEndAt: end });
  }
});

it('opens the sale by itself when the window starts', async () => {
  const start = at(2_000);
  const tierId = await tierWith({ salesStartAt: start, salesEndAt: at(3_600_000) });
  expect(errorCodes(await client.purchase(fan.token, tierId, 1))).toEqual(['NOT_ON_SALE']);
  // Once the start has passed (not hammering: every attempt counts against the fan's rate).
  await new Promise((resolve) => setTimeout(resolve, Date.parse(start) - Date.now() + 200));
  const bought = await client.purchase(fan.token, tierId, 1, randomUUID());
  expect(bought.errors).toBeUndefined();
});

it('lets the organizer set and move the window, refusing an end before the start', async () => {
  const tierId = await tierWith({});
  const start = at(3_600_000);
  const set = await graphql(
    stack.routerUrl,
    UPDATE,
    { id: tierId, input: { salesStartAt: start } },
    organizer.token,
  );
  expect(set.data?.updateTicketTier).toEqual({ id: tierId, salesStartAt: start, salesEndAt: null });
  expect(errorCodes(await reserve(tierId))).toEqual(['NOT_ON_SALE']);
  const backwards = await graphql(
    stack.routerUrl,
    UPDATE,
    { id: tierId, input: { salesEndAt: at(60_000) } },
    organizer.token,
  );
  expect(errorCodes(backwards)).toEqual(['BAD_USER_INPUT']);
  const opened = await graphql(
    stack.routerUrl,
    UPDATE,
    { id: tierId, input: { salesStartAt: at(-60_000) } },
    organizer.token,
  );
  expect(errorCodes(opened)).toEqual([]);
  expect((await reserve(tierId)).errors).toBeUndefined();
  const inverted = await graphql(
    stack.routerUrl,
    ADD_TIER,
    {
      eventId: (await client.event(organizer.token, [])).id,
      input: {
        name: 'Odd',
        priceCents: 0,
        capacity: 1,
        salesStartAt: at(10_000),
        salesEndAt: at(5_000),
      },
    },
    organizer.token,
  );
  expect(errorCodes(inverted)).toEqual(['BAD_USER_INPUT']);
});
