import { Client as Pg } from 'pg';
import { errorCodes, eventually, graphql, RouterClient, type Stack } from '@ko/platform/testing';
import { CHECKOUT, RESERVE, TIERS } from './helpers';
import { startTicketsStack, type TicketsStack } from './tickets-stack';

// Holds expire after one second here (configured, not waited out for minutes); the sweeper runs every 200 ms.
let ticketsStack: TicketsStack;
let stack: Stack;
let client: RouterClient;
let db: Pg;

beforeAll(async () => {
  ticketsStack = await startTicketsStack({
    serviceEnv: { tickets: { HOLD_TTL_SECONDS: '1', HOLD_SWEEP_INTERVAL_MS: '200' } },
  });
  ({ stack, client, db } = ticketsStack);
});

afterAll(async () => {
  await ticketsStack?.stop();
});

const tierRow = async (id: string) =>
  (await db.query('SELECT capacity, sold, held FROM ticket_tiers WHERE id = $1', [id])).rows[0];

it('returns expired holds to the tier by itself, and says so at checkout', async () => {
  const organizer = await client.account('ORGANIZER');
  const event = await client.event(organizer.token, [
    { name: 'Quick', priceCents: 1_000, capacity: 5 },
  ]);
  const tierId = event.tiers[0].id;
  const [ana, ben] = await Promise.all([client.account('FAN'), client.account('FAN')]);

  const first = await graphql(
    stack.routerUrl,
    RESERVE,
    { input: { tierId, quantity: 3 } },
    ana.token,
  );
  const second = await graphql(
    stack.routerUrl,
    RESERVE,
    { input: { tierId, quantity: 2 } },
    ben.token,
  );
  expect(first.errors).toBeUndefined();
  expect(second.errors).toBeUndefined();
  expect(second.data!.reserveTickets.tier.available).toBe(0);
  // Everything is held: nobody can buy until the holds expire.
  const blocked = await graphql(
    stack.routerUrl,
    RESERVE,
    { input: { tierId, quantity: 1 } },
    ben.token,
  );
  expect(errorCodes(blocked)).toEqual(['SOLD_OUT']);

  const after = await eventually(
    'the expired holds given back',
    () => tierRow(tierId),
    (row) => row.held === 0,
    20_000,
  );
  expect(after).toEqual({ capacity: 5, sold: 0, held: 0 });
  const holds = await db.query('SELECT status FROM holds WHERE tier_id = $1', [tierId]);
  expect(holds.rows).toEqual([{ status: 'EXPIRED' }, { status: 'EXPIRED' }]);
  const seen = await client.ok(TIERS, { id: event.id });
  expect(seen.event.tiers[0].available).toBe(5);

  const late = await graphql(
    stack.routerUrl,
    CHECKOUT,
    { holdId: first.data!.reserveTickets.id, key: 'late' },
    ana.token,
  );
  expect(errorCodes(late)).toEqual(['HOLD_EXPIRED']);
  expect(late.errors![0].message).toMatch(/expired/);
  const orders = await db.query('SELECT count(*)::int AS n FROM orders WHERE tier_id = $1', [
    tierId,
  ]);
  expect(orders.rows[0].n).toBe(0);

  // The places are for sale again.
  const again = await client.purchase(ben.token, tierId, 5);
  expect(again.errors).toBeUndefined();
  expect(await tierRow(tierId)).toEqual({ capacity: 5, sold: 5, held: 0 });
});
