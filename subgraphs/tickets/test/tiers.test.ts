import { randomUUID } from 'node:crypto';
import { Client as Pg } from 'pg';
import {
  ADD_TIER,
  errorCodes,
  graphql,
  RouterClient,
  type GraphQLResult,
  type Stack,
} from '@ko/platform/testing';
import { RESERVE, TIERS } from './helpers';
import { startTicketsStack, type TicketsStack } from './tickets-stack';

// addTicketTier and updateTicketTier through the router: who may add and edit, the price and
// capacity rules, and the capacity rule racing real purchases.
let ticketsStack: TicketsStack;
let stack: Stack;
let client: RouterClient;
let db: Pg;
let organizer: { token: string; id: string };
let otherOrganizer: { token: string; id: string };

const UPDATE = `mutation Update($id: ID!, $input: UpdateTicketTierInput!) {
  updateTicketTier(id: $id, input: $input) { id name description priceCents capacity available }
}`;

beforeAll(async () => {
  ticketsStack = await startTicketsStack();
  ({ stack, client, db } = ticketsStack);
  [organizer, otherOrganizer] = await Promise.all([
    client.account('ORGANIZER'),
    client.account('ORGANIZER', 'Otto Other'),
  ]);
});

afterAll(async () => {
  await ticketsStack?.stop();
});

const update = (id: string, input: Record<string, unknown>, token = organizer.token) =>
  graphql(stack.routerUrl, UPDATE, { id, input }, token);

const tierRow = async (id: string) =>
  (
    await db.query(
      'SELECT name, description, price_cents::int AS price, capacity, sold, held FROM ticket_tiers WHERE id = $1',
      [id],
    )
  ).rows[0];

const conflictOf = (result: GraphQLResult) => {
  expect(errorCodes(result)).toEqual(['CONFLICT']);
  return result.errors![0]!.extensions as Record<string, unknown>;
};

it('lets the organizer rename, reprice, resize and describe a tier before it sells', async () => {
  const event = await client.event(organizer.token, [
    { name: 'Floor', priceCents: 2_000, capacity: 100 },
  ]);
  const tierId = event.tiers[0]!.id;
  const edited = await update(tierId, {
    name: '  Standing, front  ',
    priceCents: 2_500,
    capacity: 80,
    description: 'Closest to the stage; "standing only".',
  });
  expect(edited.errors).toBeUndefined();
  expect(edited.data!.updateTicketTier).toEqual({
    id: tierId,
    name: 'Standing, front',
    description: 'Closest to the stage; "standing only".',
    priceCents: 2_500,
    capacity: 80,
    available: 80,
  });
  // Fields left out stay; an empty description removes it.
  const cleared = await update(tierId, { description: '' });
  expect(cleared.data!.updateTicketTier).toMatchObject({
    name: 'Standing, front',
    description: null,
    priceCents: 2_500,
  });
  expect(await tierRow(tierId)).toMatchObject({ description: null, price: 2_500, capacity: 80 });
});

it('refuses a fan, another organizer, unknown tiers and bad values, changing nothing', async () => {
  const event = await client.event(organizer.token, [
    { name: 'Balcony', priceCents: 3_000, capacity: 10 },
    { name: 'Stalls', priceCents: 4_000, capacity: 10 },
  ]);
  const tierId = event.tiers[0]!.id;
  const fan = await client.account('FAN');
  const other = otherOrganizer;
  expect(errorCodes(await update(tierId, { capacity: 1 }, fan.token))).toEqual(['FORBIDDEN']);
  expect(errorCodes(await update(tierId, { priceCents: 0 }, other.token))).toEqual(['FORBIDDEN']);
  expect(
    errorCodes(await graphql(stack.routerUrl, UPDATE, { id: tierId, input: { capacity: 1 } })),
  ).toEqual(['UNAUTHENTICATED']);
  expect(errorCodes(await update('00000000-0000-4000-8000-000000000000', { capacity: 5 }))).toEqual(
    ['NOT_FOUND'],
  );
  expect(errorCodes(await update('not-a-tier', { capacity: 5 }))).toEqual(['NOT_FOUND']);
  expect(errorCodes(await update(tierId, { capacity: 0 }))).toEqual(['BAD_USER_INPUT']);
  expect(errorCodes(await update(tierId, { priceCents: -1 }))).toEqual(['BAD_USER_INPUT']);
  expect(errorCodes(await update(tierId, { name: ' ' }))).toEqual(['BAD_USER_INPUT']);
  expect(errorCodes(await update(tierId, { description: 'x'.repeat(1_001) }))).toEqual([
    'BAD_USER_INPUT',
  ]);
  expect(conflictOf(await update(tierId, { name: 'stalls' }))).toMatchObject({ field: 'name' });
  expect(await tierRow(tierId)).toMatchObject({
    name: 'Balcony',
    description: null,
    price: 3_000,
    capacity: 10,
  });
});

it('locks the price at the first sale or hold, and keeps capacity at or above sold + held', async () => {
  const event = await client.event(organizer.token, [
    { name: 'Early', priceCents: 1_500, capacity: 10 },
  ]);
  const tierId = event.tiers[0]!.id;
  const [ana, ben] = await Promise.all([client.account('FAN'), client.account('FAN')]);

  const held = await graphql(
    stack.routerUrl,
    RESERVE,
    { input: { tierId, quantity: 2 } },
    ben.token,
  );
  expect(held.errors).toBeUndefined();
  expect(conflictOf(await update(tierId, { priceCents: 1_000 }))).toMatchObject({
    field: 'priceCents',
    reason: 'ALREADY_SOLD',
    sold: 0,
    held: 2,
  });

  const bought = await client.purchase(ana.token, tierId, 3);
  expect(bought.errors).toBeUndefined();
  expect(conflictOf(await update(tierId, { priceCents: 2_000 }))).toMatchObject({
    reason: 'ALREADY_SOLD',
    sold: 3,
  });
  // The unchanged price is no change: the rest of the edit goes through.
  const same = await update(tierId, { priceCents: 1_500, name: 'Early bird' });
  expect(same.data?.updateTicketTier).toMatchObject({ name: 'Early bird', priceCents: 1_500 });

  expect(conflictOf(await update(tierId, { capacity: 4 }))).toEqual(
    expect.objectContaining({
      code: 'CONFLICT',
      field: 'capacity',
      reason: 'BELOW_SOLD_AND_HELD',
      sold: 3,
      held: 2,
      minimum: 5,
    }),
  );
  const exact = await update(tierId, { capacity: 5 });
  expect(exact.data?.updateTicketTier).toMatchObject({ capacity: 5, available: 0 });
  expect(await tierRow(tierId)).toMatchObject({ capacity: 5, sold: 3, held: 2, price: 1_500 });
});

/** Resolves once `count` statements are waiting for a lock on the tickets database. */
async function lockWaiters(count: number): Promise<void> {
  for (let tries = 0; ; tries++) {
    if (tries > 400) throw new Error(`fewer than ${count} statements ever waited for a lock`);
    const { rows } = await db.query(
      `SELECT count(*)::int AS n FROM pg_stat_activity
       WHERE datname = current_database() AND wait_event_type = 'Lock'`,
    );
    if (rows[0].n >= count) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

it('never lets a capacity cut and concurrent purchases together pass what the tier holds', async () => {
  const event = await client.event(organizer.token, [
    { name: 'Rush', priceCents: 900, capacity: 12 },
  ]);
  const tierId = event.tiers[0]!.id;
  const fans = await Promise.all(Array.from({ length: 4 }, () => client.account('FAN')));
  const target = 5;

  // The tier's row lock is held here so the race has both sides in flight at once: four
  // purchases of three queue on it first, then four cuts to five places (eight requests, within
  // the tickets service's pool of ten connections); then it is let go. The
  // cuts are re-checked against the tier the purchases left, as a real rush would leave it.
  const locker = new Pg({ connectionString: stack.databaseUrls.tickets });
  await locker.connect();
  await locker.query('BEGIN');
  await locker.query('SELECT 1 FROM ticket_tiers WHERE id = $1 FOR UPDATE', [tierId]);
  type Outcome = { kind: 'buy' | 'cut'; result: GraphQLResult };
  const purchases: Array<Promise<Outcome>> = fans.map((fan) =>
    client.purchase(fan.token, tierId, 3).then((result) => ({ kind: 'buy', result })),
  );
  await lockWaiters(fans.length);
  const cuts: Array<Promise<Outcome>> = fans.map(() =>
    update(tierId, { capacity: target }).then((result) => ({ kind: 'cut', result })),
  );
  await lockWaiters(fans.length * 2);
  await locker.query('COMMIT');
  await locker.end();
  const outcomes = await Promise.all([...purchases, ...cuts]);

  const bought = outcomes.filter((o) => o.kind === 'buy' && !o.result.errors);
  let refusedCuts = 0;
  for (const { kind, result } of outcomes) {
    if (!result.errors) continue;
    if (kind === 'buy') {
      expect(errorCodes(result)).toEqual(['SOLD_OUT']);
    } else {
      // Refused only because sold + held already passed the target, and it says by how much.
      const refusal = conflictOf(result);
      expect(refusal.reason).toBe('BELOW_SOLD_AND_HELD');
      expect(Number(refusal.sold) + Number(refusal.held)).toBeGreaterThan(target);
      refusedCuts++;
    }
  }
  const row = await tierRow(tierId);
  const tickets = Number(
    (await db.query('SELECT count(*) FROM tickets WHERE tier_id = $1', [tierId])).rows[0].count,
  );
  expect(row.sold).toBe(bought.length * 3);
  expect(tickets).toBe(row.sold);
  expect(row.sold + row.held).toBeLessThanOrEqual(row.capacity);
  expect(row.capacity).toBe(refusedCuts === fans.length ? 12 : target);
  // Whichever way the lock queue went, one side lost: nobody got more than the tier holds.
  if (bought.length === fans.length) expect(refusedCuts).toBe(fans.length);
  else expect(bought.length * 3).toBeLessThanOrEqual(target);
});

describe('adding tiers', () => {
  it('lets the organizer add tiers, shown on the event with what is available', async () => {
    const event = await client.event(
      organizer.token,
      [
        { name: 'VIP', priceCents: 12_000, capacity: 50 },
        { name: 'General Admission', priceCents: 4_500, capacity: 400 },
      ],
      { title: 'Tiered Night' },
    );
    const fan = await client.account('FAN');
    const seen = await client.ok(TIERS, { id: event.id }, fan.token);
    expect(seen.event.tiers).toEqual([
      { id: event.tiers[1].id, name: 'General Admission', capacity: 400, available: 400 },
      { id: event.tiers[0].id, name: 'VIP', capacity: 50, available: 50 },
    ]);
    const [row] = (
      await db.query('SELECT organizer_id FROM ticket_tiers WHERE id = $1', [event.tiers[0].id])
    ).rows;
    expect(row.organizer_id).toBe(organizer.id);
  });

  it('resolves the tier event through the events service', async () => {
    const event = await client.event(organizer.token, [], { title: 'Resolve Me', publish: false });
    const added = await graphql(
      stack.routerUrl,
      ADD_TIER,
      { eventId: event.id, input: { name: 'Floor', priceCents: 100, capacity: 5 } },
      organizer.token,
    );
    expect(added.errors).toBeUndefined();
    expect(added.data!.addTicketTier).toMatchObject({
      name: 'Floor',
      priceCents: 100,
      capacity: 5,
      available: 5,
      event: { id: event.id, title: 'Resolve Me' },
    });
  });

  it('refuses anyone but the event organizer', async () => {
    const draft = await client.event(organizer.token, [], { publish: false });
    const published = await client.event(organizer.token, []);
    const fan = await client.account('FAN');
    const input = { name: 'Sneaky', priceCents: 1, capacity: 10 };
    expect(
      errorCodes(
        await graphql(
          stack.routerUrl,
          ADD_TIER,
          { eventId: published.id, input },
          otherOrganizer.token,
        ),
      ),
    ).toEqual(['FORBIDDEN']);
    // Someone else's draft does not exist for them.
    expect(
      errorCodes(
        await graphql(
          stack.routerUrl,
          ADD_TIER,
          { eventId: draft.id, input },
          otherOrganizer.token,
        ),
      ),
    ).toEqual(['NOT_FOUND']);
    expect(
      errorCodes(
        await graphql(stack.routerUrl, ADD_TIER, { eventId: published.id, input }, fan.token),
      ),
    ).toEqual(['FORBIDDEN']);
    expect(
      errorCodes(await graphql(stack.routerUrl, ADD_TIER, { eventId: published.id, input })),
    ).toEqual(['UNAUTHENTICATED']);
    expect(
      errorCodes(
        await graphql(stack.routerUrl, ADD_TIER, { eventId: randomUUID(), input }, organizer.token),
      ),
    ).toEqual(['NOT_FOUND']);
    const count = await db.query('SELECT count(*)::int AS n FROM ticket_tiers WHERE name = $1', [
      'Sneaky',
    ]);
    expect(count.rows[0].n).toBe(0);
  });

  it.each([
    ['an empty name', { name: '  ', priceCents: 100, capacity: 10 }, 'name'],
    ['a negative price', { name: 'A', priceCents: -1, capacity: 10 }, 'priceCents'],
    ['no capacity', { name: 'A', priceCents: 100, capacity: 0 }, 'capacity'],
  ])('refuses %s with BAD_USER_INPUT', async (_label, input, field) => {
    const event = await client.event(organizer.token, [], { publish: false });
    const result = await graphql(
      stack.routerUrl,
      ADD_TIER,
      { eventId: event.id, input },
      organizer.token,
    );
    expect(errorCodes(result)).toEqual(['BAD_USER_INPUT']);
    // A negative price is no amount of money at all: the Cents scalar refuses it, naming the field.
    const error = result.errors![0];
    if (field === 'priceCents') expect(error.message).toMatch(/priceCents/);
    else expect(error.extensions).toMatchObject({ field });
  });

  it('refuses a second tier with the same name as CONFLICT', async () => {
    const event = await client.event(
      organizer.token,
      [{ name: 'Balcony', priceCents: 100, capacity: 10 }],
      { publish: false },
    );
    const again = await graphql(
      stack.routerUrl,
      ADD_TIER,
      { eventId: event.id, input: { name: 'balcony', priceCents: 5, capacity: 1 } },
      organizer.token,
    );
    expect(errorCodes(again)).toEqual(['CONFLICT']);
  });
});
