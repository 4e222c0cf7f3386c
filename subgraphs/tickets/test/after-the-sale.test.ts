import { randomUUID } from 'node:crypto';
import { Client as Pg } from 'pg';
import {
  errorCodes,
  eventually,
  graphql,
  loggedLines,
  produceAs,
  RouterClient,
  testInfrastructure,
  type Stack,
} from '@ko/platform/testing';
import { CHECK_IN, MY_TICKETS, RESERVE } from './helpers';
import { startTicketsStack, type TicketsStack } from './tickets-stack';

// Past the sale: tickets at the door, an event's cancellation, and the lifecycle facts behind it.
let ticketsStack: TicketsStack;
let stack: Stack;
let client: RouterClient;
let url: string;
let db: Pg;
let organizer: { token: string; id: string };
let otherOrganizer: { token: string; id: string };

beforeAll(async () => {
  ticketsStack = await startTicketsStack();
  ({ stack, client, db, url } = ticketsStack);
  [organizer, otherOrganizer] = await Promise.all([
    client.account('ORGANIZER'),
    client.account('ORGANIZER', 'Otto Other'),
  ]);
});

afterAll(async () => {
  await ticketsStack?.stop();
});

describe('check-in', () => {
  it('admits a ticket once and refuses re-used, forged and foreign codes', async () => {
    const event = await client.event(organizer.token, [
      { name: 'Door', priceCents: 100, capacity: 10 },
    ]);
    const fan = await client.account('FAN');
    const bought = await client.purchase(fan.token, event.tiers[0].id, 2);
    const [ticket, second] = bought.data!.purchaseTickets.tickets as Array<{
      id: string;
      code: string;
    }>;

    expect(errorCodes(await graphql(url, CHECK_IN, { code: ticket.code }, fan.token))).toEqual([
      'FORBIDDEN',
    ]);
    expect(
      errorCodes(await graphql(url, CHECK_IN, { code: ticket.code }, otherOrganizer.token)),
    ).toEqual(['FORBIDDEN']);

    const admitted = await graphql(url, CHECK_IN, { code: ticket.code }, organizer.token);
    expect(admitted.errors).toBeUndefined();
    expect(admitted.data!.checkInTicket).toEqual({
      id: ticket.id,
      status: 'USED',
      tier: { name: 'Door' },
      owner: { id: fan.id },
    });
    const again = await graphql(url, CHECK_IN, { code: ticket.code }, organizer.token);
    expect(errorCodes(again)).toEqual(['CONFLICT']);
    expect(again.errors![0].extensions).toMatchObject({ reason: 'ALREADY_USED' });

    // Forgeries: a flipped signature, and another ticket's payload under this signature.
    const [payload, signature] = ticket.code.split('.');
    const flipped = `${payload}.${signature[0] === 'A' ? 'B' : 'A'}${signature.slice(1)}`;
    const swapped = `${second.code.split('.')[0]}.${signature}`;
    for (const code of [flipped, swapped, 'not-a-code']) {
      const forged = await graphql(url, CHECK_IN, { code }, organizer.token);
      expect(errorCodes(forged)).toEqual(['BAD_USER_INPUT']);
    }
    const { rows } = await db.query(
      'SELECT id, status FROM tickets WHERE order_id = $1 ORDER BY status',
      [bought.data!.purchaseTickets.id],
    );
    expect(rows).toEqual([
      { id: ticket.id, status: 'USED' },
      { id: second.id, status: 'VALID' },
    ]);
  });
});

describe('cancellation', () => {
  it('cancels the orders and tickets of a cancelled event and releases its holds', async () => {
    const event = await client.event(
      organizer.token,
      [{ name: 'Gone', priceCents: 900, capacity: 20 }],
      { title: 'Soon Cancelled' },
    );
    const fan = await client.account('FAN');
    const bought = await client.purchase(fan.token, event.tiers[0].id, 2);
    expect(bought.errors).toBeUndefined();
    expect(
      (
        await graphql(
          url,
          RESERVE,
          { input: { tierId: event.tiers[0].id, quantity: 3 } },
          fan.token,
        )
      ).errors,
    ).toBeUndefined();
    await client.ok(
      'mutation($id: ID!) { cancelEvent(id: $id) { id } }',
      { id: event.id },
      organizer.token,
    );

    const view = await eventually(
      'orders and tickets cancelled',
      async () => (await client.ok(MY_TICKETS, {}, fan.token)).me,
      // Orders and tickets are two reads (two loaders), so wait for both to show the change.
      (me) =>
        me.orders.every((o: { status: string }) => o.status === 'CANCELLED') &&
        me.tickets.every((t: { status: string }) => t.status === 'CANCELLED'),
    );
    expect(view.orders).toEqual([
      expect.objectContaining({ id: bought.data!.purchaseTickets.id, status: 'CANCELLED' }),
    ]);
    expect(view.tickets.map((t: { status: string }) => t.status)).toEqual([
      'CANCELLED',
      'CANCELLED',
    ]);
    const tier = await db.query('SELECT held, event_cancelled FROM ticket_tiers WHERE id = $1', [
      event.tiers[0].id,
    ]);
    expect(tier.rows[0]).toEqual({ held: 0, event_cancelled: true });
    const holds = await db.query('SELECT status FROM holds WHERE tier_id = $1', [
      event.tiers[0].id,
    ]);
    expect(holds.rows).toEqual([{ status: 'RELEASED' }]);
    const scan = await graphql(
      url,
      CHECK_IN,
      { code: bought.data!.purchaseTickets.tickets[0].code },
      organizer.token,
    );
    expect(errorCodes(scan)).toEqual(['CONFLICT']);
  });
});

describe('events.lifecycle facts that do not parse', () => {
  it('skips and logs them, applies none, and goes on with the next fact', async () => {
    const event = await client.event(
      organizer.token,
      [{ name: 'Floor', priceCents: 1_000, capacity: 20 }],
      { title: 'Survives Bad Facts' },
    );
    const fan = await client.account('FAN');
    const bought = await client.purchase(fan.token, event.tiers[0].id, 1);
    expect(bought.errors).toBeUndefined();
    const cancellation = (data: Record<string, unknown>) =>
      JSON.stringify({
        id: randomUUID(),
        type: 'event.cancelled',
        version: 1,
        occurredAt: new Date().toISOString(),
        data: {
          eventId: event.id,
          organizerId: organizer.id,
          status: 'CANCELLED',
          title: 'Survives Bad Facts',
          startsAt: new Date(Date.now() + 86_400_000).toISOString(),
          ...data,
        },
      });
    // Written with the events service's own account (the only one that may write the topic),
    // keyed like real facts so they sit in the event's partition, before the real cancellation.
    const { kafkaBrokers, kafkaCredentials } = testInfrastructure();
    await produceAs(
      { brokers: kafkaBrokers, login: kafkaCredentials.services.events },
      'events.lifecycle',
      event.id,
      ['{"truncated":', cancellation({ status: 'GONE' }), cancellation({ organizerId: 'someone' })],
    );
    const logged = await eventually(
      'the bad facts logged',
      async () => loggedLines(stack, 'tickets-1', 'not a valid fact'),
      (lines) => lines.length >= 3,
      20_000,
    );
    expect(logged.length).toBeGreaterThanOrEqual(3);
    expect(logged[0]).toMatchObject({ topic: 'events.lifecycle', level: 40 });
    expect(logged[0]).toHaveProperty('offset');
    // None was applied: the event still sells.
    expect((await client.purchase(fan.token, event.tiers[0].id, 1)).errors).toBeUndefined();

    // The real cancellation, behind them in the same partition, still arrives and is applied.
    await client.ok(
      'mutation($id: ID!) { cancelEvent(id: $id) { id } }',
      { id: event.id },
      organizer.token,
    );
    const view = await eventually(
      'both orders cancelled',
      async () => (await client.ok(MY_TICKETS, {}, fan.token)).me,
      (me) =>
        me.orders.length === 2 &&
        me.orders.every((o: { status: string }) => o.status === 'CANCELLED'),
      20_000,
    );
    expect(view.orders.map((o: { status: string }) => o.status)).toEqual([
      'CANCELLED',
      'CANCELLED',
    ]);
  });
});
