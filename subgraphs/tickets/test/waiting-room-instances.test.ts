import { Client as Pg } from 'pg';
import { ADD_TIER, eventually, inParallel, RouterClient, type Stack } from '@ko/platform/testing';
import { join, setRoom, ticketOf } from './waiting-room-helpers';
import { startTicketsStack, type TicketsStack } from './tickets-stack';

// One waiting room served by two tickets instances, one of them stopped and started again in
// the middle of the sale: nobody's place is lost or changed, admission follows the places, and
// every place is sold once.
let ticketsStack: TicketsStack;
let stack: Stack;
let client: RouterClient;
let db: Pg;

beforeAll(async () => {
  ticketsStack = await startTicketsStack({
    instances: { tickets: 2 },
    serviceEnv: {
      tickets: { WAITING_ROOM_MAX_ADMITTED: '2', WAITING_ROOM_INTERVAL_MS: '200' },
    },
  });
  ({ stack, client, db } = ticketsStack);
}, 180_000);

afterAll(async () => {
  await ticketsStack?.stop();
});

const FANS = 10;

it('keeps every place through an instance restart mid-sale', async () => {
  const organizer = await client.account('ORGANIZER');
  const fans = await inParallel(
    Array.from({ length: FANS }, (_, i) => i),
    4,
    () => client.account('FAN'),
  );
  const event = await client.event(organizer.token, []);
  const salesStartAt = new Date(Date.now() + 5_000).toISOString();
  const tier = await client.ok(
    ADD_TIER,
    {
      eventId: event.id,
      input: { name: 'Floor', priceCents: 1_000, capacity: FANS, salesStartAt },
    },
    organizer.token,
  );
  const tierId = tier.addTicketTier.id as string;
  await setRoom(client, organizer.token, event.id, { enabled: true });
  for (const fan of fans) await join(client, fan.token, event.id);

  const places = async () =>
    new Map(
      (
        await db.query<{ user_id: string; place: number | null }>(
          'SELECT user_id, place FROM queue_tickets WHERE event_id = $1',
          [event.id],
        )
      ).rows.map((r) => [r.user_id, r.place]),
    );
  const dealt = await eventually(
    'every ticket dealt a place',
    places,
    (map) => [...map.values()].every((p) => p !== null),
    30_000,
  );

  // Fans buy as they are admitted; after a few sales one instance goes away, then comes back.
  const [victim] = stack.instances('tickets');
  const bought = new Set<string>();
  let stopped = false;
  let restarted = false;
  await eventually(
    'every fan bought, across the restart',
    async () => {
      for (const fan of fans) {
        if (bought.has(fan.id)) continue;
        const ticket = await ticketOf(client, fan.token, event.id).catch(() => null);
        if (ticket?.status !== 'ADMITTED') continue;
        // One key per fan: a purchase whose answer was lost with the instance is not made twice.
        const result = await client.purchase(fan.token, tierId, 1, fan.id).catch(() => null);
        if (result && !result.errors) bought.add(fan.id);
      }
      // Stopped after 3 sales; the other instance alone sells on; back after 6.
      if (bought.size >= 3 && !stopped) {
        stopped = true;
        await victim!.stop();
      } else if (bought.size >= 6 && stopped && !restarted) {
        restarted = true;
        await victim!.start();
      }
      return bought.size;
    },
    (count) => count === FANS,
    120_000,
  );
  expect(restarted).toBe(true);

  expect(await places()).toEqual(dealt);
  const order = await db.query<{ place: number }>(
    'SELECT place FROM queue_tickets WHERE event_id = $1 ORDER BY admitted_at, place',
    [event.id],
  );
  expect(order.rows.map((r) => r.place)).toEqual(fans.map((_, i) => i + 1));
  const tierRow = await db.query('SELECT sold, held FROM ticket_tiers WHERE id = $1', [tierId]);
  expect(tierRow.rows[0]).toEqual({ sold: FANS, held: 0 });
  const orders = await db.query(
    'SELECT count(DISTINCT user_id)::int AS n FROM orders WHERE tier_id = $1',
    [tierId],
  );
  expect(orders.rows[0].n).toBe(FANS);
}, 240_000);
