import { randomUUID } from 'node:crypto';
import { Client as Pg } from 'pg';
import {
  errorCodes,
  eventually,
  graphql,
  PURCHASE,
  RouterClient,
  type Stack,
} from '@ko/platform/testing';
import { verifyTicketCode, type TicketSigningJwk } from '../src/ticket-codes';
import { CHECKOUT, MY_TICKETS, RESERVE, TIERS } from './helpers';
import { startTicketsStack, type TicketsStack } from './tickets-stack';

let ticketsStack: TicketsStack;
let stack: Stack;
let client: RouterClient;
let url: string;
let db: Pg;
let organizer: { token: string; id: string };

beforeAll(async () => {
  ticketsStack = await startTicketsStack();
  ({ stack, client, db, url } = ticketsStack);
  organizer = await client.account('ORGANIZER');
});

afterAll(async () => {
  await ticketsStack?.stop();
});

describe('buying', () => {
  it('sells tickets that show up, signed, on the buyer profile with their tier and event', async () => {
    const event = await client.event(
      organizer.token,
      [
        { name: 'Standing', priceCents: 3_000, capacity: 100 },
        { name: 'Seated', priceCents: 5_000, capacity: 100 },
      ],
      { title: 'Profile Night' },
    );
    const [ana, ben] = await Promise.all([
      client.account('FAN', 'Ana'),
      client.account('FAN', 'Ben'),
    ]);
    const a1 = await client.purchase(ana.token, event.tiers[0].id, 2);
    const a2 = await client.purchase(ana.token, event.tiers[1].id, 1);
    const b1 = await client.purchase(ben.token, event.tiers[1].id, 3);
    for (const r of [a1, a2, b1]) expect(r.errors).toBeUndefined();
    expect(a1.data!.purchaseTickets).toMatchObject({ status: 'CONFIRMED', totalCents: 6_000 });
    expect(a1.data!.purchaseTickets.tickets).toHaveLength(2);

    const anaView = (await client.ok(MY_TICKETS, {}, ana.token)).me;
    expect(anaView.tickets).toHaveLength(3);
    expect(anaView.tickets.map((t: { tier: { name: string } }) => t.tier.name).sort()).toEqual([
      'Seated',
      'Standing',
      'Standing',
    ]);
    for (const ticket of anaView.tickets) {
      expect(ticket).toMatchObject({
        status: 'VALID',
        event: { id: event.id, title: 'Profile Night' },
      });
    }
    expect(anaView.orders.map((o: { totalCents: number }) => o.totalCents).sort()).toEqual([
      5_000, 6_000,
    ]);
    const benView = (await client.ok(MY_TICKETS, {}, ben.token)).me;
    expect(benView.tickets).toHaveLength(3);
    const anaCodes = new Set(anaView.tickets.map((t: { code: string }) => t.code));
    expect(benView.tickets.some((t: { code: string }) => anaCodes.has(t.code))).toBe(false);

    // Every code verifies offline with the published key.
    const jwk = (await (
      await fetch(stack.urls.tickets!.replace(/\/graphql$/, '/.well-known/ticket-signing-key'))
    ).json()) as TicketSigningJwk;
    const viaGraph = JSON.parse((await client.ok('{ ticketSigningKey }', {})).ticketSigningKey);
    expect(viaGraph).toEqual(jwk);
    for (const ticket of [...anaView.tickets, ...benView.tickets]) {
      expect(verifyTicketCode(ticket.code, jwk)).toEqual({
        ticketId: ticket.id,
        eventId: event.id,
      });
    }
    const seen = await client.ok(TIERS, { id: event.id });
    expect(seen.event.tiers.map((t: { available: number }) => t.available)).toEqual([98, 96]);
  });

  it('shows tickets and orders to their owner only', async () => {
    const event = await client.event(organizer.token, [
      { name: 'GA', priceCents: 1_000, capacity: 10 },
    ]);
    await client.ok(
      PURCHASE,
      { input: { tierId: event.tiers[0].id, quantity: 1, idempotencyKey: 'own' } },
      organizer.token,
    );
    const fan = await client.account('FAN');
    const query =
      'query($id: ID!) { event(id: $id) { organizer { id tickets { id } orders { id } } } }';
    const byFan = await graphql(url, query, { id: event.id }, fan.token);
    expect(byFan.errors).toBeUndefined();
    expect(byFan.data!.event.organizer).toEqual({ id: organizer.id, tickets: null, orders: null });
    const byOwner = await client.ok(query, { id: event.id }, organizer.token);
    expect(byOwner.event.organizer.tickets.length).toBeGreaterThanOrEqual(1);
    expect(byOwner.event.organizer.orders.length).toBeGreaterThanOrEqual(1);
  });

  it('answers bad requests with the contract codes', async () => {
    const event = await client.event(organizer.token, [
      { name: 'Few', priceCents: 2_500, capacity: 3 },
    ]);
    const tierId = event.tiers[0].id;
    const fan = await client.account('FAN');
    expect(errorCodes(await client.purchase(fan.token, tierId, 0))).toEqual(['BAD_USER_INPUT']);
    expect(errorCodes(await client.purchase(fan.token, tierId, 9))).toEqual(['BAD_USER_INPUT']);
    const unknown = await client.purchase(fan.token, randomUUID(), 1);
    expect(errorCodes(unknown)).toEqual(['BAD_USER_INPUT']);
    expect(unknown.errors![0].extensions).toMatchObject({ field: 'tierId' });
    expect(
      errorCodes(
        await graphql(url, PURCHASE, { input: { tierId, quantity: 1, idempotencyKey: 'x' } }),
      ),
    ).toEqual(['UNAUTHENTICATED']);
    expect(errorCodes(await graphql(url, RESERVE, { input: { tierId, quantity: 1 } }))).toEqual([
      'UNAUTHENTICATED',
    ]);

    expect((await client.purchase(fan.token, tierId, 2)).errors).toBeUndefined();
    const tooMany = await client.purchase(fan.token, tierId, 2);
    expect(errorCodes(tooMany)).toEqual(['SOLD_OUT']);
    expect(tooMany.errors![0].extensions).toMatchObject({ available: 1, tierId });
    expect((await client.purchase(fan.token, tierId, 1)).errors).toBeUndefined();
    const none = await client.purchase(fan.token, tierId, 1);
    expect(errorCodes(none)).toEqual(['SOLD_OUT']);
    expect(none.errors![0].extensions).toMatchObject({ available: 0 });
    const { rows } = await db.query('SELECT sold, held, capacity FROM ticket_tiers WHERE id = $1', [
      tierId,
    ]);
    expect(rows[0]).toEqual({ sold: 3, held: 0, capacity: 3 });
  });

  it('sells nothing for a draft or a cancelled event', async () => {
    const draft = await client.event(
      organizer.token,
      [{ name: 'Early', priceCents: 100, capacity: 10 }],
      { publish: false },
    );
    const fan = await client.account('FAN');
    const fromDraft = await client.purchase(fan.token, draft.tiers[0].id, 1);
    expect(errorCodes(fromDraft)).toEqual(['CONFLICT']);
    expect(
      errorCodes(
        await graphql(
          url,
          RESERVE,
          { input: { tierId: draft.tiers[0].id, quantity: 1 } },
          fan.token,
        ),
      ),
    ).toEqual(['CONFLICT']);
    // Not even to its organizer.
    expect(errorCodes(await client.purchase(organizer.token, draft.tiers[0].id, 1))).toEqual([
      'CONFLICT',
    ]);

    const event = await client.event(organizer.token, [
      { name: 'Doomed', priceCents: 100, capacity: 10 },
    ]);
    await client.ok(
      'mutation($id: ID!) { cancelEvent(id: $id) { id } }',
      { id: event.id },
      organizer.token,
    );
    // Sales follow the events.lifecycle projection: wait for the cancellation to arrive.
    const state = await eventually(
      'the cancellation projected',
      async () =>
        (await db.query('SELECT status FROM event_states WHERE event_id = $1', [event.id])).rows[0]
          ?.status,
      (status) => status === 'CANCELLED',
      20_000,
    );
    expect(state).toBe('CANCELLED');
    const fromCancelled = await client.purchase(fan.token, event.tiers[0].id, 1);
    expect(errorCodes(fromCancelled)).toEqual(['CONFLICT']);
    const { rows } = await db.query(
      'SELECT count(*)::int AS n FROM tickets WHERE tier_id = ANY($1)',
      [[draft.tiers[0].id, event.tiers[0].id]],
    );
    expect(rows[0].n).toBe(0);
  });

  it('limits each fan per event, counting tickets and holds', async () => {
    const event = await client.event(organizer.token, [
      { name: 'A', priceCents: 100, capacity: 100 },
      { name: 'B', priceCents: 100, capacity: 100 },
    ]);
    const fan = await client.account('FAN');
    expect((await client.purchase(fan.token, event.tiers[0].id, 5)).errors).toBeUndefined();
    const hold = await graphql(
      url,
      RESERVE,
      { input: { tierId: event.tiers[1].id, quantity: 2 } },
      fan.token,
    );
    expect(hold.errors).toBeUndefined();
    const over = await client.purchase(fan.token, event.tiers[1].id, 2);
    expect(errorCodes(over)).toEqual(['BAD_USER_INPUT']);
    expect(over.errors![0].extensions).toMatchObject({ limit: 8, alreadyTaken: 7 });
    expect((await client.purchase(fan.token, event.tiers[1].id, 1)).errors).toBeUndefined();
    // Another event is another allowance.
    const other = await client.event(organizer.token, [
      { name: 'C', priceCents: 100, capacity: 100 },
    ]);
    expect((await client.purchase(fan.token, other.tiers[0].id, 8)).errors).toBeUndefined();
  });

  it('turns the same idempotency key sent 20 times at once into one order', async () => {
    const event = await client.event(organizer.token, [
      { name: 'Once', priceCents: 700, capacity: 50 },
    ]);
    const fan = await client.account('FAN');
    const key = randomUUID();
    const results = await Promise.all(
      Array.from({ length: 20 }, () => client.purchase(fan.token, event.tiers[0].id, 2, key)),
    );
    for (const r of results) expect(r.errors).toBeUndefined();
    const ids = new Set(results.map((r) => r.data!.purchaseTickets.id));
    expect(ids.size).toBe(1);
    const orders = await db.query('SELECT id FROM orders WHERE tier_id = $1', [event.tiers[0].id]);
    expect(orders.rows.map((r) => r.id)).toEqual([...ids]);
    const tickets = await db.query('SELECT count(*)::int AS n FROM tickets WHERE tier_id = $1', [
      event.tiers[0].id,
    ]);
    expect(tickets.rows[0].n).toBe(2);
    const tier = await db.query('SELECT sold, held FROM ticket_tiers WHERE id = $1', [
      event.tiers[0].id,
    ]);
    expect(tier.rows[0]).toEqual({ sold: 2, held: 0 });

    // The same key for a different request is a conflict, and buys nothing.
    const different = await client.purchase(fan.token, event.tiers[0].id, 3, key);
    expect(errorCodes(different)).toEqual(['CONFLICT']);
    // Another user's identical key is their own.
    const someoneElse = await client.account('FAN');
    const theirs = await client.purchase(someoneElse.token, event.tiers[0].id, 2, key);
    expect(theirs.errors).toBeUndefined();
    expect(ids.has(theirs.data!.purchaseTickets.id)).toBe(false);
  });

  it('reserves, then checks out once per hold', async () => {
    const event = await client.event(organizer.token, [
      { name: 'Hold me', priceCents: 1_500, capacity: 10 },
    ]);
    const [fan, other] = await Promise.all([client.account('FAN'), client.account('FAN')]);
    const before = Date.now();
    const reserved = await graphql(
      url,
      RESERVE,
      { input: { tierId: event.tiers[0].id, quantity: 3 } },
      fan.token,
    );
    expect(reserved.errors).toBeUndefined();
    const hold = reserved.data!.reserveTickets;
    expect(hold).toMatchObject({ quantity: 3, status: 'ACTIVE', tier: { available: 7 } });
    // Default expiry: ten minutes.
    const ttl = Date.parse(hold.expiresAt) - before;
    expect(ttl).toBeGreaterThan(9 * 60_000);
    expect(ttl).toBeLessThanOrEqual(10 * 60_000 + 5_000);

    expect(
      errorCodes(await graphql(url, CHECKOUT, { holdId: hold.id, key: 'k1' }, other.token)),
    ).toEqual(['NOT_FOUND']);
    const first = await graphql(url, CHECKOUT, { holdId: hold.id, key: 'k1' }, fan.token);
    expect(first.errors).toBeUndefined();
    expect(first.data!.checkout).toMatchObject({ status: 'CONFIRMED', totalCents: 4_500 });
    expect(first.data!.checkout.tickets).toHaveLength(3);
    const replay = await graphql(url, CHECKOUT, { holdId: hold.id, key: 'k1' }, fan.token);
    expect(replay.data!.checkout.id).toBe(first.data!.checkout.id);
    expect(
      errorCodes(await graphql(url, CHECKOUT, { holdId: hold.id, key: 'k2' }, fan.token)),
    ).toEqual(['CONFLICT']);
    const { rows } = await db.query('SELECT sold, held, capacity FROM ticket_tiers WHERE id = $1', [
      event.tiers[0].id,
    ]);
    expect(rows[0]).toEqual({ sold: 3, held: 0, capacity: 10 });
  });

  it('refuses checkout of a hold past its expiry with HOLD_EXPIRED and gives its places back', async () => {
    const event = await client.event(organizer.token, [
      { name: 'Late', priceCents: 1_000, capacity: 4 },
    ]);
    const tierId = event.tiers[0].id;
    const fan = await client.account('FAN');
    const hold = (await client.ok(RESERVE, { input: { tierId, quantity: 2 } }, fan.token))
      .reserveTickets;
    // As if ten minutes had passed (the sweeper or the checkout itself may release it).
    await db.query(`UPDATE holds SET expires_at = now() - interval '1 second' WHERE id = $1`, [
      hold.id,
    ]);
    const late = await graphql(url, CHECKOUT, { holdId: hold.id, key: 'late' }, fan.token);
    expect(errorCodes(late)).toEqual(['HOLD_EXPIRED']);
    expect(late.errors![0].extensions).toMatchObject({ holdId: hold.id });
    const { rows } = await db.query('SELECT sold, held FROM ticket_tiers WHERE id = $1', [tierId]);
    expect(rows[0]).toEqual({ sold: 0, held: 0 });
    const status = await db.query('SELECT status FROM holds WHERE id = $1', [hold.id]);
    expect(status.rows[0].status).toBe('EXPIRED');
  });
});

describe('purchase rate limit', () => {
  const attemptsOf = async (userId: string) =>
    (
      await db.query<{ points: number }>('SELECT points FROM purchase_limits WHERE key = $1', [
        `buyer:${userId}`,
      ])
    ).rows[0]?.points ?? 0;

  it('refuses a buyer past 20 attempts a minute with RATE_LIMITED, never a retry of a finished purchase', async () => {
    const event = await client.event(organizer.token, [
      { name: 'Only one', priceCents: 100, capacity: 1 },
      { name: 'Plenty', priceCents: 100, capacity: 50 },
    ]);
    const [onlyOne, plenty] = event.tiers.map((t) => t.id);
    const bot = await client.account('FAN', 'Busy Bot');
    const first = await client.purchase(bot.token, onlyOne, 1, 'limit-first');
    expect(first.errors).toBeUndefined();
    // Hammering a sold-out tier costs attempts too: 19 more make 20.
    for (let i = 0; i < 19; i++) {
      expect(errorCodes(await client.purchase(bot.token, onlyOne, 1))).toEqual(['SOLD_OUT']);
    }
    // Invalid requests are refused before they count.
    expect(errorCodes(await client.purchase(bot.token, plenty, 0))).toEqual(['BAD_USER_INPUT']);

    // The 21st attempt, of any kind, is refused and buys nothing.
    const over = await client.purchase(bot.token, plenty, 1);
    expect(errorCodes(over)).toEqual(['RATE_LIMITED']);
    expect(over.errors![0].message).toMatch(/at most 20 purchase attempts a minute/);
    const retryAfter = over.errors![0].extensions!.retryAfterSeconds as number;
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);
    const hold = await graphql(url, RESERVE, { input: { tierId: plenty, quantity: 1 } }, bot.token);
    expect(errorCodes(hold)).toEqual(['RATE_LIMITED']);
    const { rows } = await db.query('SELECT sold, held FROM ticket_tiers WHERE id = $1', [plenty]);
    expect(rows[0]).toEqual({ sold: 0, held: 0 });
    const orders = await db.query('SELECT count(*)::int AS n FROM orders WHERE user_id = $1', [
      bot.id,
    ]);
    expect(orders.rows[0].n).toBe(1);

    // A retry of the finished purchase is still answered, with the same order.
    const replay = await client.purchase(bot.token, onlyOne, 1, 'limit-first');
    expect(replay.errors).toBeUndefined();
    expect(replay.data!.purchaseTickets.id).toBe(first.data!.purchaseTickets.id);

    // The count is in the database, where every instance reads it: 20 allowed, 2 refused.
    expect(await attemptsOf(bot.id)).toBe(22);
    // Other buyers have their own allowance.
    const fan = await client.account('FAN');
    expect((await client.purchase(fan.token, plenty, 1)).errors).toBeUndefined();
    expect(await attemptsOf(fan.id)).toBe(1);
  });

  it('counts concurrent duplicates of one purchase once', async () => {
    const event = await client.event(organizer.token, [
      { name: 'Dupes', priceCents: 100, capacity: 10 },
    ]);
    const fan = await client.account('FAN');
    const key = randomUUID();
    const results = await Promise.all(
      Array.from({ length: 10 }, () => client.purchase(fan.token, event.tiers[0].id, 1, key)),
    );
    for (const r of results) expect(r.errors).toBeUndefined();
    expect(new Set(results.map((r) => r.data!.purchaseTickets.id)).size).toBe(1);
    expect(await attemptsOf(fan.id)).toBe(1);
  });
});
