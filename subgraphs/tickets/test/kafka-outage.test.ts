import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import type { Consumer } from 'kafkajs';
import { Client as Pg } from 'pg';
import { Topics, type EventEnvelope, type TicketsSoldFact } from '@ko/platform';
import { eventually, inParallel, kafkaClient, RouterClient } from '@ko/platform/testing';
import { startKafka, type KafkaBroker } from '../../../scripts/provision/kafka';
import { startTicketsStack, type TicketsStack } from './tickets-stack';

// A private broker this test stops and starts: purchases must not notice, and every
// tickets.sold fact must reach Kafka once it is back, none lost, none duplicated for consumers.
const BUYERS = 12;

let broker: KafkaBroker;
let dataDir: string;
let ticketsStack: TicketsStack;
let client: RouterClient;
let db: Pg;
let consumer: Consumer | undefined;

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'ko-tickets-kafka-'));
  broker = await startKafka({ dataDir });
  ticketsStack = await startTicketsStack({
    kafkaBrokers: broker.brokers,
    kafkaCredentials: broker.credentials,
  });
  ({ client, db } = ticketsStack);
}, 100_000);

afterAll(async () => {
  await consumer?.disconnect().catch(() => undefined);
  await ticketsStack?.stop();
  await broker?.stop();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
}, 60_000);

const pendingSold = async () =>
  (
    await db.query(
      `SELECT count(*)::int AS n FROM outbox WHERE topic = $1 AND published_at IS NULL`,
      [Topics.ticketsSold],
    )
  ).rows[0].n as number;

it('keeps selling while Kafka is down and delivers every tickets.sold fact once it is back', async () => {
  const organizer = await client.account('ORGANIZER');
  const event = await client.event(organizer.token, [
    { name: 'Pit', priceCents: 5_000, capacity: 50 },
    { name: 'Seats', priceCents: 3_000, capacity: 50 },
  ]);
  const fans = await inParallel(
    Array.from({ length: BUYERS }, (_, i) => i),
    6,
    () => client.account('FAN'),
  );

  await broker.stop();

  const results = await Promise.all(
    fans.map((fan, i) =>
      client.purchase(fan.token, event.tiers[i % 2].id, 1 + (i % 3), `outage-${i}`),
    ),
  );
  for (const r of results) expect(r.errors).toBeUndefined();
  const orderIds = results.map((r) => r.data!.purchaseTickets.id as string);
  expect(new Set(orderIds).size).toBe(BUYERS);
  // Committed with their facts, which wait in the outbox for the broker.
  expect(await pendingSold()).toBe(BUYERS);

  await broker.start();
  const left = await eventually('the outbox drained', pendingSold, (n) => n === 0, 60_000);
  expect(left).toBe(0);

  // A brand-new consumer group reads the topic from the start, as the live feed would.
  // Read as the live feed does, with its account (which may read tickets.sold and use groups
  // named after it).
  const kafka = kafkaClient({
    brokers: broker.brokers,
    login: broker.credentials.services.subscriptions,
  });
  consumer = kafka.consumer({ groupId: `subscriptions-outage-test-${randomUUID()}` });
  const received: Array<EventEnvelope<TicketsSoldFact>> = [];
  await consumer.connect();
  await consumer.subscribe({ topics: [Topics.ticketsSold], fromBeginning: true });
  await consumer.run({
    eachMessage: async ({ message }) => {
      received.push(JSON.parse(message.value!.toString('utf8')) as EventEnvelope<TicketsSoldFact>);
    },
  });
  const wanted = new Set(orderIds);
  await eventually(
    'a fact per order received',
    async () => new Set(received.map((e) => e.data.orderId).filter((id) => wanted.has(id))).size,
    (n) => n === BUYERS,
    45_000,
  );

  // De-duplicated by envelope id, exactly one fact per order.
  const unique = new Map(received.map((e) => [e.id, e]));
  const perOrder = new Map<string, number>();
  for (const envelope of unique.values())
    perOrder.set(envelope.data.orderId, (perOrder.get(envelope.data.orderId) ?? 0) + 1);
  expect([...wanted].map((id) => perOrder.get(id))).toEqual(Array(BUYERS).fill(1));

  const facts = [...unique.values()].filter((e) => wanted.has(e.data.orderId));
  for (const [i, orderId] of orderIds.entries()) {
    const fact = facts.find((e) => e.data.orderId === orderId)!;
    expect(fact).toMatchObject({ type: 'tickets.sold', version: 1 });
    expect(fact.data).toMatchObject({
      eventId: event.id,
      tierId: event.tiers[i % 2].id,
      tierName: event.tiers[i % 2].name,
      quantity: 1 + (i % 3),
      capacity: 50,
    });
    expect(fact.data.sold + fact.data.available).toBe(50);
    expect(Number.isNaN(Date.parse(fact.data.soldAt))).toBe(false);
  }
  // Per tier, the running totals end at what the database holds.
  for (const tier of event.tiers) {
    const { rows } = await db.query('SELECT sold FROM ticket_tiers WHERE id = $1', [tier.id]);
    const last = Math.max(
      ...facts.filter((e) => e.data.tierId === tier.id).map((e) => e.data.sold),
    );
    expect(last).toBe(rows[0].sold);
  }
}, 150_000);
