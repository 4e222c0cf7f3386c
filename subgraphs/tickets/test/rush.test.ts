import { Client as Pg } from 'pg';
import { errorCodes, inParallel, RouterClient } from '@ko/platform/testing';
import { startTicketsStack, type TicketsStack } from './tickets-stack';

// An on-sale rush through the router: 500 fans at once for 100 places.
const FANS = 500;
const CAPACITY = 100;

let ticketsStack: TicketsStack;
let client: RouterClient;
let db: Pg;

beforeAll(async () => {
  ticketsStack = await startTicketsStack({
    // A shared 2-core machine answers 500 requests at once slowly; the router must not give up
    // on a purchase that may still commit, or the test would count a sale as a failure.
    serviceEnv: { router: { SUBGRAPH_TIMEOUT_MS: '60000' }, tickets: { LOG_LEVEL: 'warn' } },
  });
  ({ client, db } = ticketsStack);
}, 90_000);

afterAll(async () => {
  await ticketsStack?.stop();
});

it(`sells exactly ${CAPACITY} tickets to ${FANS} concurrent buyers and tells the rest SOLD_OUT`, async () => {
  const organizer = await client.account('ORGANIZER');
  const event = await client.event(organizer.token, [
    { name: 'Front Row', priceCents: 9_900, capacity: CAPACITY },
    { name: 'Balcony', priceCents: 4_900, capacity: 300 },
  ]);
  const tierId = event.tiers[0].id;
  // Accounts first (password hashing is slow on purpose), a few at a time.
  const fans = await inParallel(
    Array.from({ length: FANS }, (_, i) => i),
    20,
    () => client.account('FAN'),
  );

  // Then every purchase at once.
  const results = await Promise.all(
    fans.map((fan, i) => client.purchase(fan.token, tierId, 1, `rush-${i}`)),
  );

  const succeeded = results.filter((r) => !r.errors && r.data?.purchaseTickets);
  const codes = results.filter((r) => r.errors).map((r) => errorCodes(r).join(','));
  expect(succeeded).toHaveLength(CAPACITY);
  expect(codes).toEqual(Array(FANS - CAPACITY).fill('SOLD_OUT'));
  for (const r of results.filter((r) => r.errors))
    expect(r.errors![0].extensions).toMatchObject({ available: 0 });

  const tier = (
    await db.query(
      'SELECT capacity, sold, held, capacity - sold - held AS available FROM ticket_tiers WHERE id = $1',
      [tierId],
    )
  ).rows[0];
  const tickets = (
    await db.query(
      'SELECT count(*)::int AS n, count(DISTINCT owner_id)::int AS owners FROM tickets WHERE tier_id = $1',
      [tierId],
    )
  ).rows[0];
  const orders = (
    await db.query('SELECT count(*)::int AS n FROM orders WHERE tier_id = $1', [tierId])
  ).rows[0];
  expect(tickets).toEqual({ n: CAPACITY, owners: CAPACITY });
  expect(orders.n).toBe(CAPACITY);
  expect(tier).toEqual({ capacity: CAPACITY, sold: CAPACITY, held: 0, available: 0 });
  expect(tier.sold + tier.held + tier.available).toBe(tier.capacity);
  // The other tier was untouched.
  const other = (
    await db.query('SELECT sold, held FROM ticket_tiers WHERE id = $1', [event.tiers[1].id])
  ).rows[0];
  expect(other).toEqual({ sold: 0, held: 0 });

  // Each winner sees exactly their ticket on their profile; the others see none.
  const winners = new Set(fans.filter((_, i) => !results[i].errors).map((f) => f.id));
  const sample = [
    ...fans.filter((f) => winners.has(f.id)).slice(0, 10),
    ...fans.filter((f) => !winners.has(f.id)).slice(0, 10),
  ];
  for (const fan of sample) {
    const me = (
      await client.ok('{ me { id tickets { code tier { name } event { id } } } }', {}, fan.token)
    ).me;
    if (winners.has(fan.id))
      expect(me.tickets).toEqual([
        { code: expect.any(String), tier: { name: 'Front Row' }, event: { id: event.id } },
      ]);
    else expect(me.tickets).toEqual([]);
  }
}, 110_000);
