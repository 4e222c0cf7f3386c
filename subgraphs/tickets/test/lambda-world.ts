import { Client as Pg } from 'pg';
import type { RouterClient, Stack } from '@ko/platform/testing';
import { CHECKOUT, RESERVE } from './helpers';
import { startTicketsStack, type TicketsStack } from './tickets-stack';

// The lambda suites' stack (the real lambda runner in its own process, as `npm start` runs it)
// and the sales every one of them reads: a purchase, another buyer's purchase, a checked-out
// hold, and a hold left open (not a sale).

export const ORDER_PDF = `query OrderPdf($id: ID!) { order(id: $id) { id pdf tickets { code } } }`;
export const SALES_REPORT = `query Report($id: ID!, $bucket: SalesBucket) {
  event(id: $id) {
    id
    title
    salesReport(bucket: $bucket) {
      eventId ticketsSold revenueCents capacity sellThrough
      perTier { tierId name sold revenueCents capacity sellThrough }
      perBucket { start sold revenueCents }
      curve { at cumulativeSold sellThrough }
    }
  }
}`;

export interface Sale {
  tierId: string;
  quantity: number;
  totalCents: number;
  createdAt: string;
}

type Account = { token: string; id: string };

export interface LambdaWorld {
  tickets: TicketsStack;
  stack: Stack;
  client: RouterClient;
  url: string;
  db: Pg;
  organizer: Account;
  fan: Account;
  otherFan: Account;
  event: { id: string; tiers: Array<{ id: string; name: string }> };
  fanOrder: { id: string; createdAt: string; tickets: Array<{ code: string }> };
  sales: Sale[];
}

export async function startLambdaWorld(): Promise<LambdaWorld> {
  const tickets = await startTicketsStack({
    also: ['lambda-runner'],
    serviceEnv: { 'lambda-runner': { LAMBDA_RUNNER_MAX_THREADS: '2' } },
  });
  const { stack, url, client, db } = tickets;
  const [organizer, fan, otherFan] = await Promise.all([
    client.account('ORGANIZER'),
    client.account('FAN', 'Ana Ticketholder'),
    client.account('FAN', 'Otto Otherfan'),
  ]);
  const event = await client.event(
    organizer.token,
    [
      { name: 'Floor', priceCents: 4_500, capacity: 10 },
      { name: 'Balcony', priceCents: 2_500, capacity: 20 },
    ],
    { title: 'Midnight Jazz at the Lighthouse' },
  );
  const [floor, balcony] = event.tiers;

  const bought = await client.purchase(fan.token, floor.id, 3);
  if (bought.errors) throw new Error(`the fan's purchase failed: ${JSON.stringify(bought.errors)}`);
  const fanOrder = bought.data!.purchaseTickets;
  const other = await client.purchase(otherFan.token, balcony.id, 2);
  if (other.errors) throw new Error(`the other purchase failed: ${JSON.stringify(other.errors)}`);
  const hold = await client.ok(
    RESERVE,
    { input: { tierId: floor.id, quantity: 1 } },
    otherFan.token,
  );
  const checkedOut = await client.ok(
    CHECKOUT,
    { holdId: hold.reserveTickets.id, key: 'hold-1' },
    otherFan.token,
  );
  await client.ok(RESERVE, { input: { tierId: balcony.id, quantity: 4 } }, fan.token);
  const createdAt = async (orderId: string) =>
    (
      await db.query<{ created_at: Date }>('SELECT created_at FROM orders WHERE id = $1', [orderId])
    ).rows[0]!.created_at.toISOString();
  const sales: Sale[] = [
    { tierId: floor.id, quantity: 3, totalCents: 13_500, createdAt: fanOrder.createdAt },
    {
      tierId: balcony.id,
      quantity: 2,
      totalCents: 5_000,
      createdAt: other.data!.purchaseTickets.createdAt,
    },
    {
      tierId: floor.id,
      quantity: 1,
      totalCents: 4_500,
      createdAt: await createdAt(checkedOut.checkout.id),
    },
  ];
  return { tickets, stack, client, url, db, organizer, fan, otherFan, event, fanOrder, sales };
}

export async function stopLambdaWorld(world: LambdaWorld | undefined): Promise<void> {
  await world?.tickets.stop();
}
