import { randomUUID } from 'node:crypto';
import { Client as Pg } from 'pg';
import {
  ADD_TIER,
  eventually,
  graphql,
  inParallel,
  rankCorrelation,
  routerMetric,
  RouterClient,
  type Stack,
} from '@ko/platform/testing';
import {
  codeOf,
  join,
  JOIN,
  reserve,
  setRoom,
  ticketOf,
  type QueueTicket,
} from './waiting-room-helpers';
import { startTicketsStack, type TicketsStack } from './tickets-stack';

// The waiting room through the router: admission required while it is on, admissions that run
// out, a fair (seeded) shuffle of early joiners, and closing (and re-opening) on selling out.
// Admissions last 3 s and holds 2 s here; at most 2 fans are admitted at once.
let ticketsStack: TicketsStack;
let stack: Stack;
let client: RouterClient;
let db: Pg;
let organizer: { token: string; id: string };

beforeAll(async () => {
  ticketsStack = await startTicketsStack({
    serviceEnv: {
      tickets: {
        WAITING_ROOM_ADMISSION_SECONDS: '3',
        WAITING_ROOM_MAX_ADMITTED: '2',
        WAITING_ROOM_INTERVAL_MS: '200',
        WAITING_ROOM_SHUFFLE_SEED: 'a fixed seed',
        WAITING_ROOM_DRAW_QUIET_MS: '1500',
        HOLD_TTL_SECONDS: '2',
        HOLD_SWEEP_INTERVAL_MS: '200',
      },
      // One yielding operation at a time, `categories` among them: a join can be held in line.
      router: {
        YIELDING_FIELDS: 'Mutation.joinWaitingRoom,Query.categories',
        YIELDING_CONCURRENCY: '1',
      },
    },
  });
  ({ stack, client, db } = ticketsStack);
  organizer = await client.account('ORGANIZER');
});

afterAll(async () => {
  await ticketsStack?.stop();
});

/** A published event with one tier, its waiting room on. */
async function roomWith(capacity: number, salesStartAt?: string) {
  const event = await client.event(organizer.token, []);
  const tier = await client.ok(
    ADD_TIER,
    { eventId: event.id, input: { name: 'Floor', priceCents: 1_000, capacity, salesStartAt } },
    organizer.token,
  );
  await setRoom(client, organizer.token, event.id, { enabled: true });
  return { eventId: event.id, tierId: tier.addTicketTier.id as string };
}

const fans = (n: number) =>
  inParallel(
    Array.from({ length: n }, (_, i) => i),
    4,
    () => client.account('FAN'),
  );

/** When the room was drawn and when it closed as sold out (null until then), from its row. */
const roomTimes = async (eventId: string) =>
  (
    await db.query<{ shuffled_at: Date | null; sold_out_at: Date | null }>(
      'SELECT shuffled_at, sold_out_at FROM waiting_rooms WHERE event_id = $1',
      [eventId],
    )
  ).rows[0]!;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));

const statusOf = (token: string, eventId: string, wanted: QueueTicket['status']) =>
  eventually(
    `the queue ticket ${wanted}`,
    () => ticketOf(client, token, eventId),
    (ticket) => ticket.status === wanted,
    20_000,
  );

it('refuses holds and purchases without an admission, and after it ran out', async () => {
  const { eventId, tierId } = await roomWith(10);
  const [fan] = await fans(1);
  expect(codeOf(await client.purchase(fan!.token, tierId, 1))).toBe('QUEUE_REQUIRED');
  expect(codeOf(await reserve(stack.routerUrl, fan!.token, tierId))).toBe('QUEUE_REQUIRED');

  const ticket = await join(client, fan!.token, eventId);
  expect(await join(client, fan!.token, eventId)).toMatchObject({ id: ticket.id });
  const admitted = await statusOf(fan!.token, eventId, 'ADMITTED');
  expect(admitted.admittedUntil).not.toBeNull();
  expect((await reserve(stack.routerUrl, fan!.token, tierId)).errors).toBeUndefined();

  const expired = await statusOf(fan!.token, eventId, 'EXPIRED');
  expect(expired.id).toBe(ticket.id);
  const late = await client.purchase(fan!.token, tierId, 1);
  expect(codeOf(late)).toBe('QUEUE_REQUIRED');
  expect(late.errors![0]!.extensions).toMatchObject({
    status: 'EXPIRED',
    queueTicketId: ticket.id,
  });

  // Joining again puts the same ticket back in line, and it is admitted again.
  expect((await join(client, fan!.token, eventId)).id).toBe(ticket.id);
  await statusOf(fan!.token, eventId, 'ADMITTED');
  expect((await client.purchase(fan!.token, tierId, 1, randomUUID())).errors).toBeUndefined();
});

it('gives a fan one ticket however many joins they send at once, and refuses a room that is off or not open', async () => {
  const { eventId } = await roomWith(10);
  const [fan] = await fans(1);
  const joins = await Promise.all(
    Array.from({ length: 8 }, () => join(client, fan!.token, eventId)),
  );
  expect(new Set(joins.map((t) => t.id)).size).toBe(1);
  const { rows } = await db.query('SELECT id FROM queue_tickets WHERE event_id = $1', [eventId]);
  expect(rows).toEqual([{ id: joins[0]!.id }]);

  const opensAt = new Date(Date.now() + 3_600_000).toISOString();
  await setRoom(client, organizer.token, eventId, { enabled: true, opensAt });
  const [late] = await fans(1);
  const early = await graphql(stack.routerUrl, JOIN, { eventId }, late!.token);
  expect(codeOf(early)).toBe('CONFLICT');
  expect(early.errors![0]!.extensions).toMatchObject({ eventId, opensAt });

  await setRoom(client, organizer.token, eventId, { enabled: false });
  expect(codeOf(await graphql(stack.routerUrl, JOIN, { eventId }, late!.token))).toBe('CONFLICT');
  const { rows: after } = await db.query(
    'SELECT count(*)::int AS n FROM queue_tickets WHERE event_id = $1',
    [eventId],
  );
  expect(after).toEqual([{ n: 1 }]);
});

it('gives fans who joined before the sale random places, and later ones the next', async () => {
  const early = await fans(24);
  const [late] = await fans(1);
  const startsAt = new Date(Date.now() + 6_000).toISOString();
  const { eventId } = await roomWith(100, startsAt);
  const tickets: QueueTicket[] = [];
  for (const fan of early) tickets.push(await join(client, fan.token, eventId));
  expect(Date.now()).toBeLessThan(new Date(startsAt).getTime());
  expect(tickets.every((t) => t.status === 'WAITING' && t.position === null)).toBe(true);

  const placed = async () =>
    (
      await db.query<{ id: string; place: number | null }>(
        'SELECT id, place FROM queue_tickets WHERE event_id = $1',
        [eventId],
      )
    ).rows;
  const places = new Map(
    (
      await eventually(
        'every ticket dealt a place',
        placed,
        (rows) => rows.every((r) => r.place !== null),
        30_000,
      )
    ).map((r) => [r.id, r.place!]),
  );
  const order = tickets.map((t) => places.get(t.id)!);
  expect([...order].sort((a, b) => a - b)).toEqual(early.map((_, i) => i + 1));
  // Joining order says nothing about the place: neither first-come nor reversed.
  expect(
    Math.abs(
      rankCorrelation(
        tickets.map((_, i) => i),
        order,
      ),
    ),
  ).toBeLessThan(0.4);
  expect(order).not.toEqual([...order].sort((a, b) => a - b));

  // A fan who comes after the start queues behind everyone who was there, whatever time their
  // request claims to be from: the router states when it received it.
  const forged = await graphql(stack.routerUrl, JOIN, { eventId }, late!.token, {
    headers: { 'x-request-start': `t=${new Date(startsAt).getTime() - 5_000}` },
  });
  const after = forged.data!.joinWaitingRoom as QueueTicket;
  expect(
    (await db.query('SELECT place FROM queue_tickets WHERE id = $1', [after.id])).rows[0].place,
  ).toBe(early.length + 1);
  // Admission follows the places.
  const admitted = (
    await db.query<{ place: number }>(
      `SELECT place FROM queue_tickets WHERE event_id = $1 AND admitted_at IS NOT NULL
       ORDER BY admitted_at, place`,
      [eventId],
    )
  ).rows.map((r) => r.place);
  expect(admitted.length).toBeGreaterThanOrEqual(2);
  expect(admitted).toEqual(admitted.map((_, i) => i + 1));
});

it('closes the room when everything is sold, telling every fan, and re-opens it when places come back', async () => {
  const { eventId, tierId } = await roomWith(2);
  const line = await fans(5);
  for (const fan of line) await join(client, fan.token, eventId);
  const first = await eventually(
    'two fans admitted',
    () => Promise.all(line.map((fan) => ticketOf(client, fan.token, eventId))),
    (tickets) => tickets.filter((t) => t.status === 'ADMITTED').length === 2,
    20_000,
  );
  const [buyer, holder] = line.filter((_, i) => first[i]!.status === 'ADMITTED');
  expect((await client.purchase(buyer!.token, tierId, 1)).errors).toBeUndefined();
  expect((await reserve(stack.routerUrl, holder!.token, tierId)).errors).toBeUndefined();

  const others = line.filter((fan) => fan !== buyer && fan !== holder);
  const closed = await eventually(
    'the other fans closed out',
    () => Promise.all(others.map((fan) => ticketOf(client, fan.token, eventId))),
    (tickets) => tickets.every((t) => t.status === 'CLOSED'),
    20_000,
  );
  expect(closed.map((t) => t.status)).toEqual(['CLOSED', 'CLOSED', 'CLOSED']);

  // The hold runs out (2 s): its place is for sale again, and the next fan in line is admitted.
  const reopened = await eventually(
    'a fan admitted again',
    () => Promise.all(others.map((fan) => ticketOf(client, fan.token, eventId))),
    (tickets) => tickets.some((t) => t.status === 'ADMITTED'),
    20_000,
  );
  expect(reopened.filter((t) => t.status === 'ADMITTED')).toHaveLength(1);
  expect(reopened.filter((t) => t.status === 'WAITING')).toHaveLength(2);
});

it('tells a fan who joins a sold-out room so at once, and closes a join that crossed the closing', async () => {
  const { eventId, tierId } = await roomWith(1);
  const [buyer, late, crossing] = await fans(3);
  await join(client, buyer!.token, eventId);
  await statusOf(buyer!.token, eventId, 'ADMITTED');
  expect((await client.purchase(buyer!.token, tierId, 1)).errors).toBeUndefined();
  await eventually(
    'the room closed as sold out',
    async () => (await roomTimes(eventId)).sold_out_at,
    (soldOutAt) => soldOutAt !== null,
    20_000,
  );

  const answer = await join(client, late!.token, eventId);
  expect([answer.status, answer.position]).toEqual(['CLOSED', null]);

  // A join that read the room still open and committed after the admitter closed it.
  await db.query(`INSERT INTO queue_tickets (event_id, user_id, place) VALUES ($1, $2, 99)`, [
    eventId,
    crossing!.id,
  ]);
  await statusOf(crossing!.token, eventId, 'CLOSED');
});

it('draws only once joins asked before the start stop coming in', async () => {
  const [fan] = await fans(1);
  const startsAt = Date.now() + 2_000;
  const { eventId } = await roomWith(100, new Date(startsAt).toISOString());
  await join(client, fan!.token, eventId);
  const shuffledAt = async () => (await roomTimes(eventId)).shuffled_at;
  // Joins asked before the start that keep coming in, every 300 ms from just before it to 2.5 s
  // after, as they do from the router's line in a busy on-sale: no draw while they come (quiet:
  // 1.5 s here).
  await sleep(startsAt - 300 - Date.now());
  let held = 0;
  while (Date.now() < startsAt + 2_500) {
    expect(await shuffledAt()).toBeNull();
    await db.query('INSERT INTO queue_tickets (event_id, user_id, joined_at) VALUES ($1, $2, $3)', [
      eventId,
      randomUUID(),
      new Date(startsAt - 500),
    ]);
    held += 1;
    await sleep(300);
  }
  await eventually('the places drawn', shuffledAt, (at) => at !== null, 10_000);
  const room = (
    await db.query<{ drawn: number; places: number[] }>(
      `SELECT drawn, (SELECT array_agg(place ORDER BY place) FROM queue_tickets q
                      WHERE q.event_id = r.event_id) AS places
       FROM waiting_rooms r WHERE event_id = $1`,
      [eventId],
    )
  ).rows[0]!;
  // Every one of them in the draw, with the fan who joined before the start.
  expect(room.drawn).toBe(held + 1);
  expect(room.places).toEqual(Array.from({ length: held + 1 }, (_, i) => i + 1));
});

it('draws in a fan who asked before the start though the router held their join past the draw', async () => {
  const early = await fans(6);
  const [held, late] = await fans(2);
  const startsAt = Date.now() + 4_000;
  const { eventId } = await roomWith(100, new Date(startsAt).toISOString());
  for (const fan of early) await join(client, fan.token, eventId);
  // Joins yield in the router, one at a time here, and so does `categories`: with the events
  // process stopped, one `categories` query keeps the only turn and a second waits for it, so
  // the held fan's join waits behind both, across the sale's start and the draw.
  const waiting = () => routerMetric(stack.routerUrl, 'router_yielding_operations_waiting');
  const events = stack.instances('events')[0]!;
  process.kill(events.pid!, 'SIGSTOP');
  let holding: Array<Promise<unknown>> = [];
  let answer: Promise<QueueTicket> | undefined;
  try {
    holding = [graphql(stack.routerUrl, '{ categories }')];
    await eventually('a query holding the turn', waiting, (n) => n === 0, 2_000);
    holding.push(graphql(stack.routerUrl, '{ categories }'));
    await eventually('a query waiting for the turn', waiting, (n) => n === 1, 2_000);
    answer = join(client, held!.token, eventId);
    await eventually('the join waiting behind it', waiting, (n) => n === 2, 2_000);
    expect(Date.now()).toBeLessThan(startsAt);
    // The draw comes after the start: up to 4 s of setup may remain before it, so the wait is
    // counted from the start, not from here.
    await eventually(
      'the places drawn',
      async () => (await roomTimes(eventId)).shuffled_at,
      (shuffledAt) => shuffledAt !== null,
      startsAt - Date.now() + 4_000,
    );
  } finally {
    process.kill(events.pid!, 'SIGCONT');
  }
  await Promise.all(holding);
  const ticket = await answer!;
  const [row] = (
    await db.query<{ place: number; joined_at: Date }>(
      'SELECT place, joined_at FROM queue_tickets WHERE id = $1',
      [ticket.id],
    )
  ).rows;
  // Dated by the router's receipt, and given one of the drawn places, not the next one behind.
  expect(row!.joined_at.getTime()).toBeLessThan(startsAt);
  expect(row!.place).toBeLessThanOrEqual(early.length);
  const after = await join(client, late!.token, eventId);
  expect(
    (await db.query('SELECT place FROM queue_tickets WHERE id = $1', [after.id])).rows[0].place,
  ).toBe(early.length + 1);
});
