import { randomUUID } from 'node:crypto';
import {
  errorCodes,
  graphql,
  RouterClient,
  startStack,
  testInfrastructure,
  type Stack,
} from '@ko/platform/testing';
import { inspectPdf } from '../../../lambdas/render-tickets/test/pdf-inspect';
import { CHECKOUT, RESERVE, TIERS } from './helpers';

// What a fan meets after choosing: giving a hold back, resuming one, the order with its event
// and tier, and a PDF in the event's own money and the venue's own clock.

const RELEASE = 'mutation Release($id: ID!) { releaseHold(holdId: $id) { id status quantity } }';
const MY_HOLDS = '{ me { id holds { id quantity status expiresAt tier { id name } } } }';
const MY_ORDERS = `{ me { orders {
  id number quantity totalCents status
  event { id title timeZone currency address }
  tier { id name priceCents }
} } }`;

let stack: Stack;
let client: RouterClient;
let url: string;
let organizer: { token: string; id: string };
let fan: { token: string; id: string };
let otherFan: { token: string; id: string };

beforeAll(async () => {
  stack = await startStack({
    ...testInfrastructure(),
    services: ['users', 'events', 'tickets', 'lambda-runner', 'router'],
    serviceEnv: { 'lambda-runner': { LAMBDA_RUNNER_MAX_THREADS: '1' } },
  });
  url = stack.routerUrl;
  client = new RouterClient(url);
  [organizer, fan, otherFan] = await Promise.all([
    client.account('ORGANIZER'),
    client.account('FAN', 'Fiona Fan'),
    client.account('FAN', 'Otto Other'),
  ]);
});

afterAll(() => stack?.stop({ dropDatabases: true }));

const available = async (eventId: string): Promise<number> =>
  (await client.ok(TIERS, { id: eventId })).event.tiers[0].available as number;

describe('releaseHold', () => {
  it("puts a hold's places back on sale at once, and the hold is no longer the fan's", async () => {
    const event = await client.event(organizer.token, [
      { name: 'Floor', priceCents: 4500, capacity: 4 },
    ]);
    const tierId = event.tiers[0]!.id;
    const hold = (await client.ok(RESERVE, { input: { tierId, quantity: 4 } }, fan.token))
      .reserveTickets;
    expect(await available(event.id)).toBe(0);
    const mine = (await client.ok(MY_HOLDS, {}, fan.token)).me.holds;
    expect(mine).toEqual([
      expect.objectContaining({
        id: hold.id,
        quantity: 4,
        status: 'ACTIVE',
        tier: { id: tierId, name: 'Floor' },
      }),
    ]);
    // Someone else's hold is as good as none: NOT_FOUND, and it stays held.
    const stolen = await graphql(url, RELEASE, { id: hold.id }, otherFan.token);
    expect(errorCodes(stolen)).toEqual(['NOT_FOUND']);
    expect(await available(event.id)).toBe(0);

    const released = await client.ok(RELEASE, { id: hold.id }, fan.token);
    expect(released.releaseHold).toEqual({ id: hold.id, status: 'RELEASED', quantity: 4 });
    // At once: the very next read sees the places, and another fan can buy all of them.
    expect(await available(event.id)).toBe(4);
    expect((await client.ok(MY_HOLDS, {}, fan.token)).me.holds).toEqual([]);
    expect(errorCodes(await client.purchase(otherFan.token, tierId, 4))).toEqual([]);
    // Giving it back twice changes nothing; checking it out afterwards is refused.
    expect((await client.ok(RELEASE, { id: hold.id }, fan.token)).releaseHold.status).toBe(
      'RELEASED',
    );
    expect(await available(event.id)).toBe(0);
    const late = await graphql(url, CHECKOUT, { holdId: hold.id, key: randomUUID() }, fan.token);
    expect(errorCodes(late)).toEqual(['CONFLICT']);
  });

  it('refuses a hold already checked out (CONFLICT), and an unknown or anonymous release', async () => {
    const event = await client.event(organizer.token, [
      { name: 'Floor', priceCents: 4500, capacity: 4 },
    ]);
    const hold = (
      await client.ok(RESERVE, { input: { tierId: event.tiers[0]!.id, quantity: 2 } }, fan.token)
    ).reserveTickets;
    await client.ok(CHECKOUT, { holdId: hold.id, key: randomUUID() }, fan.token);
    expect(errorCodes(await graphql(url, RELEASE, { id: hold.id }, fan.token))).toEqual([
      'CONFLICT',
    ]);
    expect(await available(event.id)).toBe(2);
    expect(errorCodes(await graphql(url, RELEASE, { id: randomUUID() }, fan.token))).toEqual([
      'NOT_FOUND',
    ]);
    expect(errorCodes(await graphql(url, RELEASE, { id: hold.id }))).toEqual(['UNAUTHENTICATED']);
  });

  it("shows a user's holds to that user only", async () => {
    const event = await client.event(organizer.token, [
      { name: 'Floor', priceCents: 4500, capacity: 4 },
    ]);
    // The organizer holds places too; their User is reachable by anyone as the event's organizer.
    await client.ok(
      RESERVE,
      { input: { tierId: event.tiers[0]!.id, quantity: 1 } },
      organizer.token,
    );
    const query = 'query($id: ID!) { event(id: $id) { organizer { id holds { quantity } } } }';
    const asFan = await graphql(url, query, { id: event.id }, fan.token);
    expect(asFan.data!.event.organizer).toEqual({ id: organizer.id, holds: null });
    const asSelf = await client.ok(query, { id: event.id }, organizer.token);
    expect(asSelf.event.organizer.holds).toEqual([{ quantity: 1 }]);
  });
});

describe('orders and their PDF', () => {
  it('name their event and tier, and carry one order number, printed on the PDF with the price in the event’s currency and the venue’s time', async () => {
    const event = await client.event(
      organizer.token,
      [{ name: 'Orchestra', priceCents: 4500, capacity: 10 }],
      {
        title: 'Broadway Night',
        // 19:30 in New York (EST) on 9 January 2031.
        startsAt: '2031-01-10T00:30:00.000Z',
        timeZone: 'America/New_York',
        currency: 'USD',
        address: '1681 Broadway, New York, NY 10019',
      },
    );
    const bought = await client.purchase(fan.token, event.tiers[0]!.id, 2);
    expect(bought.errors).toBeUndefined();
    const orders = (await client.ok(MY_ORDERS, {}, fan.token)).me.orders;
    const order = orders.find((o: { id: string }) => o.id === bought.data!.purchaseTickets.id);
    expect(order).toMatchObject({
      quantity: 2,
      totalCents: 9000,
      status: 'CONFIRMED',
      event: {
        id: event.id,
        title: 'Broadway Night',
        timeZone: 'America/New_York',
        currency: 'USD',
        address: '1681 Broadway, New York, NY 10019',
      },
      tier: { name: 'Orchestra', priceCents: 4500 },
    });
    expect(order.number).toMatch(/^KO-[0-9A-F]{12}$/);

    const pdf = await client.ok(
      'query($id: ID!) { order(id: $id) { pdf } }',
      { id: order.id },
      fan.token,
    );
    const pages = await inspectPdf(Buffer.from(pdf.order.pdf, 'base64'));
    expect(pages).toHaveLength(2);
    for (const page of pages) {
      expect(page.text).toContain('$45.00');
      expect(page.text).not.toContain('€');
      expect(page.text).toContain(`Order ${order.number}`);
      expect(page.text).toContain('9 January 2031 at 19:30');
      expect(page.text).toContain('America/New_York');
    }
  });
  it('prints an order of an event in euros in euros (the renderer alone would say dollars)', async () => {
    const event = await client.event(organizer.token, [
      { name: 'Floor', priceCents: 4500, capacity: 10 },
    ]);
    const bought = await client.purchase(fan.token, event.tiers[0]!.id, 1);
    const pdf = await client.ok(
      'query($id: ID!) { order(id: $id) { number pdf } }',
      { id: bought.data!.purchaseTickets.id },
      fan.token,
    );
    const [page] = await inspectPdf(Buffer.from(pdf.order.pdf, 'base64'));
    expect(page!.text).toContain('€45.00');
    expect(page!.text).not.toContain('$');
    expect(page!.text).toContain(`Order ${pdf.order.number}`);
  });
});
