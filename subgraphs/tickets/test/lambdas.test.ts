import jsQR from 'jsqr';
import { errorCodes, eventually, graphql } from '@ko/platform/testing';
import { inspectPdf } from '../../../lambdas/render-tickets/test/pdf-inspect';
import {
  ORDER_PDF,
  SALES_REPORT,
  startLambdaWorld,
  stopLambdaWorld,
  type LambdaWorld,
  type Sale,
} from './lambda-world';

// Order.pdf and Event.salesReport through the router, rendered by the real lambda runner.

let world: LambdaWorld;
let client: LambdaWorld['client'];
let url: string;
let db: LambdaWorld['db'];
let organizer: LambdaWorld['organizer'];
let fan: LambdaWorld['fan'];
let otherFan: LambdaWorld['otherFan'];
let event: LambdaWorld['event'];
let fanOrder: LambdaWorld['fanOrder'];
let sales: Sale[];

beforeAll(async () => {
  world = await startLambdaWorld();
  ({ client, url, db, organizer, fan, otherFan, event, fanOrder, sales } = world);
}, 120_000);

afterAll(() => stopLambdaWorld(world));

describe('Order.pdf', () => {
  it("renders the buyer's tickets, one page each, with QR codes that decode to their codes", async () => {
    const result = await graphql(url, ORDER_PDF, { id: fanOrder.id }, fan.token);
    expect(result.errors).toBeUndefined();
    const order = result.data!.order;
    const codes = (order.tickets as Array<{ code: string }>).map((t) => t.code);
    expect(codes).toHaveLength(3);
    expect(codes).toEqual(fanOrder.tickets.map((t) => t.code));

    const bytes = Buffer.from(order.pdf as string, 'base64');
    expect(bytes.subarray(0, 5).toString()).toBe('%PDF-');
    const pages = await inspectPdf(bytes);
    expect(pages).toHaveLength(3);
    const decoded = pages.map((page) => {
      expect(page.images).toHaveLength(1);
      const image = page.images[0]!;
      return jsQR(image.rgba, image.width, image.height)?.data;
    });
    expect(decoded).toEqual(codes);
    for (const [i, page] of pages.entries()) {
      const text = page.text.replace(/\s+/g, ' ');
      expect(text).toContain('Midnight Jazz at the Lighthouse');
      expect(text).toContain('The Arena, Lisbon');
      expect(text).toContain('Ana Ticketholder');
      expect(text).toContain('Floor');
      expect(text).toContain('€45.00'); // the event's currency (EUR by default), as the site shows it
      expect(text).toContain(`Ticket ${i + 1} of 3`);
    }
  });

  it("serves every order's PDF in the profile query the web client sends", async () => {
    const second = await client.purchase(fan.token, event.tiers[1].id, 1);
    expect(second.errors).toBeUndefined();
    sales.push({
      tierId: event.tiers[1].id,
      quantity: 1,
      totalCents: 2_500,
      createdAt: second.data!.purchaseTickets.createdAt,
    });
    const result = await graphql(
      url,
      // `pdf` is an expensive field (cost 1000, at most 2 a request): ask for just these orders.
      '{ me { id orders(first: 2) { id pdf tickets { code } } } }',
      {},
      fan.token,
    );
    expect(result.errors).toBeUndefined();
    const orders = result.data!.me.orders as Array<{
      id: string;
      pdf: string;
      tickets: Array<{ code: string }>;
    }>;
    expect(orders.map((o) => o.id).sort()).toEqual(
      [fanOrder.id, second.data!.purchaseTickets.id].sort(),
    );
    for (const order of orders) {
      const pages = await inspectPdf(Buffer.from(order.pdf, 'base64'));
      expect(
        pages.map((p) => jsQR(p.images[0]!.rgba, p.images[0]!.width, p.images[0]!.height)?.data),
      ).toEqual(order.tickets.map((t) => t.code));
    }
  });

  it("refuses another user's order as FORBIDDEN and an anonymous caller as UNAUTHENTICATED", async () => {
    const foreign = await graphql(url, ORDER_PDF, { id: fanOrder.id }, otherFan.token);
    expect(errorCodes(foreign)).toEqual(['FORBIDDEN']);
    expect(foreign.data?.order ?? null).toBeNull();
    expect(JSON.stringify(foreign)).not.toContain('JVBER'); // base64 of "%PDF"
    const organizerAsks = await graphql(url, ORDER_PDF, { id: fanOrder.id }, organizer.token);
    expect(errorCodes(organizerAsks)).toEqual(['FORBIDDEN']);
    const anonymous = await graphql(url, ORDER_PDF, { id: fanOrder.id });
    expect(errorCodes(anonymous)).toEqual(['UNAUTHENTICATED']);
    // Someone else's profile shows no orders at all, so no PDF either.
    const profile = await graphql(
      url,
      '{ me { orders(first: 2) { id pdf } } }',
      {},
      otherFan.token,
    );
    expect(profile.errors).toBeUndefined();
    expect(profile.data!.me.orders.map((o: { id: string }) => o.id)).not.toContain(fanOrder.id);
  });
});

/** The report the test's own purchases should produce, worked out independently. */
function expectedReport(bucket: 'HOUR' | 'DAY') {
  const [floor, balcony] = event.tiers;
  // Tiers come cheapest first.
  const tiers = [
    { tierId: balcony.id, name: 'Balcony', capacity: 20 },
    { tierId: floor.id, name: 'Floor', capacity: 10 },
  ];
  const perTier = tiers.map((tier) => {
    const mine = sales.filter((s) => s.tierId === tier.tierId);
    const sold = mine.reduce((n, s) => n + s.quantity, 0);
    return {
      ...tier,
      sold,
      revenueCents: mine.reduce((n, s) => n + s.totalCents, 0),
      sellThrough: sold / tier.capacity,
    };
  });
  const step = bucket === 'HOUR' ? 3_600_000 : 86_400_000;
  const startOf = (iso: string) => Math.floor(Date.parse(iso) / step) * step;
  const first = Math.min(...sales.map((s) => startOf(s.createdAt)));
  const last = Math.max(...sales.map((s) => startOf(s.createdAt)));
  const perBucket = [];
  const curve = [];
  let cumulative = 0;
  for (let start = first; start <= last; start += step) {
    const inside = sales.filter((s) => startOf(s.createdAt) === start);
    const sold = inside.reduce((n, s) => n + s.quantity, 0);
    cumulative += sold;
    perBucket.push({
      start: new Date(start).toISOString(),
      sold,
      revenueCents: inside.reduce((n, s) => n + s.totalCents, 0),
    });
    curve.push({
      at: new Date(start + step).toISOString(),
      cumulativeSold: cumulative,
      sellThrough: cumulative / 30,
    });
  }
  const ticketsSold = sales.reduce((n, s) => n + s.quantity, 0);
  return {
    eventId: event.id,
    ticketsSold,
    revenueCents: sales.reduce((n, s) => n + s.totalCents, 0),
    capacity: 30,
    sellThrough: ticketsSold / 30,
    perTier,
    perBucket,
    curve,
  };
}

describe('Event.salesReport', () => {
  it("matches exactly the purchases made, per tier and per day or hour, for the event's organizer", async () => {
    // 3 + 2 + 1 + 1 tickets: two purchases by the fan, one by the other fan, one checked-out hold.
    expect(sales.reduce((n, s) => n + s.quantity, 0)).toBe(7);
    for (const bucket of ['DAY', 'HOUR'] as const) {
      const result = await graphql(url, SALES_REPORT, { id: event.id, bucket }, organizer.token);
      expect(result.errors).toBeUndefined();
      expect(result.data!.event.salesReport).toEqual(expectedReport(bucket));
    }
    // DAY is the default.
    const byDefault = await graphql(url, SALES_REPORT, { id: event.id }, organizer.token);
    expect(byDefault.data!.event.salesReport).toEqual(expectedReport('DAY'));
    expect(byDefault.data!.event.salesReport).toMatchObject({
      ticketsSold: 7,
      revenueCents: 25_500,
    });
    // The open hold of 4 Balcony places is not a sale.
    const { rows } = await db.query<{ sold: number; held: number }>(
      'SELECT sold, held FROM ticket_tiers WHERE id = $1',
      [event.tiers[1].id],
    );
    expect(rows[0]).toEqual({ sold: 3, held: 4 });
  });

  it("agrees with the tiers' counters the dashboard shows in the same read: sold, not held", async () => {
    const query = `query Live($id: ID!, $bucket: SalesBucket) {
      event(id: $id) {
        tiers { id capacity available sold held }
        salesReport(bucket: $bucket) {
          ticketsSold capacity
          perTier { tierId sold capacity }
          perBucket { sold tiers { tierId sold } }
        }
      }
    }`;
    for (const bucket of ['DAY', 'HOUR'] as const) {
      const result = await graphql(url, query, { id: event.id, bucket }, organizer.token);
      expect(result.errors).toBeUndefined();
      const { tiers, salesReport: report } = result.data!.event;
      // The open hold of 4 Balcony places shows as held, in neither count of sales.
      const heldOf = (id: string) => tiers.find((t: { id: string }) => t.id === id).held;
      expect([heldOf(event.tiers[0].id), heldOf(event.tiers[1].id)]).toEqual([0, 4]);
      expect(report.ticketsSold).toBe(
        tiers.reduce((n: number, t: { sold: number }) => n + t.sold, 0),
      );
      expect(report.capacity).toBe(
        tiers.reduce((n: number, t: { capacity: number }) => n + t.capacity, 0),
      );
      for (const tier of tiers) {
        expect(report.perTier.find((p: { tierId: string }) => p.tierId === tier.id)).toEqual({
          tierId: tier.id,
          sold: tier.sold,
          capacity: tier.capacity,
        });
        // The time series per tier adds up to the same count.
        const inPeriods = report.perBucket
          .flatMap((p: { tiers: Array<{ tierId: string; sold: number }> }) => p.tiers)
          .filter((t: { tierId: string }) => t.tierId === tier.id)
          .reduce((n: number, t: { sold: number }) => n + t.sold, 0);
        expect(inPeriods).toBe(tier.sold);
      }
    }
    // The counters are the organizer's business only.
    const asFan = await graphql(
      url,
      'query($id: ID!) { event(id: $id) { tiers { sold held } } }',
      { id: event.id },
      fan.token,
    );
    expect(asFan.data!.event.tiers).toEqual([
      { sold: null, held: null },
      { sold: null, held: null },
    ]);
  });

  it('is FORBIDDEN to fans and other organizers, and UNAUTHENTICATED anonymously', async () => {
    const other = await client.account('ORGANIZER', 'Otto Other');
    for (const token of [fan.token, other.token]) {
      const result = await graphql(url, SALES_REPORT, { id: event.id }, token);
      expect(errorCodes(result)).toEqual(['FORBIDDEN']);
      // The rest of the event still shows.
      expect(result.data!.event).toMatchObject({ id: event.id, salesReport: null });
    }
    expect(errorCodes(await graphql(url, SALES_REPORT, { id: event.id }))).toEqual([
      'UNAUTHENTICATED',
    ]);
  });

  it('leaves out the orders cancelled with their event', async () => {
    const cancelled = await client.event(organizer.token, [
      { name: 'GA', priceCents: 1_000, capacity: 5 },
    ]);
    expect((await client.purchase(fan.token, cancelled.tiers[0].id, 2)).errors).toBeUndefined();
    const before = await graphql(url, SALES_REPORT, { id: cancelled.id }, organizer.token);
    expect(before.data!.event.salesReport).toMatchObject({ ticketsSold: 2, revenueCents: 2_000 });

    await client.ok(
      'mutation($id: ID!) { cancelEvent(id: $id) { id } }',
      { id: cancelled.id },
      organizer.token,
    );
    // Tickets learns of the cancellation from events.lifecycle.
    const after = await eventually(
      'the cancellation in the sales report',
      () => graphql(url, SALES_REPORT, { id: cancelled.id }, organizer.token),
      (r) => r.data?.event?.salesReport?.ticketsSold === 0,
      20_000,
    );
    expect(after.data!.event.salesReport).toEqual({
      eventId: cancelled.id,
      ticketsSold: 0,
      revenueCents: 0,
      capacity: 5,
      sellThrough: 0,
      perTier: [
        {
          tierId: cancelled.tiers[0].id,
          name: 'GA',
          sold: 0,
          revenueCents: 0,
          capacity: 5,
          sellThrough: 0,
        },
      ],
      perBucket: [],
      curve: [],
    });
    const { rows } = await db.query('SELECT status FROM orders WHERE event_id = $1', [
      cancelled.id,
    ]);
    expect(rows).toEqual([{ status: 'CANCELLED' }]);
  });

  it('answers an hourly report spanning too long with BAD_USER_INPUT naming the fix', async () => {
    const old = await client.event(organizer.token, [
      { name: 'GA', priceCents: 1_000, capacity: 50 },
    ]);
    const buys = [];
    for (const key of ['old', 'new']) {
      const r = await client.purchase(fan.token, old.tiers[0].id, 1, `span-${key}-${old.id}`);
      expect(r.errors).toBeUndefined();
      buys.push(r.data!.purchaseTickets.id as string);
    }
    // As if the first sale had happened two years ago: 17,520 hours, over the report's 10,000.
    await db.query(
      `UPDATE orders SET created_at = created_at - interval '730 days' WHERE id = $1`,
      [buys[0]],
    );
    const hourly = await graphql(
      url,
      SALES_REPORT,
      { id: old.id, bucket: 'HOUR' },
      organizer.token,
    );
    expect(errorCodes(hourly)).toEqual(['BAD_USER_INPUT']);
    expect(hourly.errors![0].message).toMatch(
      /^We could not build the sales report: .*ask for bucket DAY\.$/,
    );
    const daily = await graphql(url, SALES_REPORT, { id: old.id, bucket: 'DAY' }, organizer.token);
    expect(daily.errors).toBeUndefined();
    const { rows } = await db.query<{ days: number }>(
      `SELECT (max(created_at AT TIME ZONE 'UTC')::date - min(created_at AT TIME ZONE 'UTC')::date) AS days
       FROM orders WHERE event_id = $1`,
      [old.id],
    );
    expect(rows[0]!.days).toBeGreaterThanOrEqual(730);
    const report = daily.data!.event.salesReport;
    expect(report.ticketsSold).toBe(2);
    expect(report.perBucket).toHaveLength(rows[0]!.days + 1);
    expect(report.perBucket.filter((b: { sold: number }) => b.sold > 0)).toHaveLength(2);
  });
});
