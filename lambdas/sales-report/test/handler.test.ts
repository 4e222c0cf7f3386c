import {
  InvalidInputError,
  MAX_BUCKETS,
  handler,
  salesReport,
  type SalesReportInput,
} from '../src/handler';

const tiers = [
  { tierId: 'ga', name: 'General admission', priceCents: 2500, capacity: 100 },
  { tierId: 'vip', name: 'VIP', priceCents: 9000, capacity: 20 },
  { tierId: 'crew', name: 'Crew', priceCents: 0, capacity: 0 },
];

const sales = [
  { tierId: 'ga', quantity: 2, totalCents: 5000, soldAt: '2026-03-01T09:15:00Z' },
  { tierId: 'vip', quantity: 1, totalCents: 9000, soldAt: '2026-03-01T09:45:00Z' },
  { tierId: 'ga', quantity: 4, totalCents: 10000, soldAt: '2026-03-01T11:00:00Z' },
  // 23:30 at UTC-02:00 is 01:30 UTC the next day.
  { tierId: 'ga', quantity: 10, totalCents: 25000, soldAt: '2026-03-02T23:30:00-02:00' },
  { tierId: 'vip', quantity: 3, totalCents: 27000, soldAt: '2026-03-03T08:00:00.000Z' },
];

const input: SalesReportInput = { eventId: 'evt_1', tiers, sales };

async function rejection(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected a rejection');
}

describe('sales-report handler', () => {
  it('totals tickets, revenue, capacity and sell-through', async () => {
    const r = await handler(input);
    expect(r).toMatchObject({
      eventId: 'evt_1',
      ticketsSold: 20,
      revenueCents: 76000,
      capacity: 120,
    });
    expect(r.sellThrough).toBeCloseTo(20 / 120, 12);
  });

  it('reports every tier in the given order, unsold ones included', async () => {
    const r = await handler(input);
    expect(r.perTier).toEqual([
      {
        tierId: 'ga',
        name: 'General admission',
        sold: 16,
        revenueCents: 40000,
        capacity: 100,
        sellThrough: 0.16,
      },
      { tierId: 'vip', name: 'VIP', sold: 4, revenueCents: 36000, capacity: 20, sellThrough: 0.2 },
      { tierId: 'crew', name: 'Crew', sold: 0, revenueCents: 0, capacity: 0, sellThrough: 0 },
    ]);
  });

  it('buckets by UTC day by default, filling days without sales, with a cumulative curve at each day end', async () => {
    const r = await handler({
      ...input,
      sales: [
        ...sales,
        { tierId: 'ga', quantity: 1, totalCents: 2500, soldAt: '2026-03-06T12:00:00Z' },
      ],
    });
    expect(r.perBucket).toEqual([
      {
        start: '2026-03-01T00:00:00.000Z',
        sold: 7,
        revenueCents: 24000,
        tiers: [
          { tierId: 'ga', sold: 6, revenueCents: 15000 },
          { tierId: 'vip', sold: 1, revenueCents: 9000 },
        ],
      },
      { start: '2026-03-02T00:00:00.000Z', sold: 0, revenueCents: 0, tiers: [] },
      {
        start: '2026-03-03T00:00:00.000Z',
        sold: 13,
        revenueCents: 52000,
        tiers: [
          { tierId: 'ga', sold: 10, revenueCents: 25000 },
          { tierId: 'vip', sold: 3, revenueCents: 27000 },
        ],
      },
      { start: '2026-03-04T00:00:00.000Z', sold: 0, revenueCents: 0, tiers: [] },
      { start: '2026-03-05T00:00:00.000Z', sold: 0, revenueCents: 0, tiers: [] },
      {
        start: '2026-03-06T00:00:00.000Z',
        sold: 1,
        revenueCents: 2500,
        tiers: [{ tierId: 'ga', sold: 1, revenueCents: 2500 }],
      },
    ]);
    expect(r.curve.map((p) => [p.at, p.cumulativeSold])).toEqual([
      ['2026-03-02T00:00:00.000Z', 7],
      ['2026-03-03T00:00:00.000Z', 7],
      ['2026-03-04T00:00:00.000Z', 20],
      ['2026-03-05T00:00:00.000Z', 20],
      ['2026-03-06T00:00:00.000Z', 20],
      ['2026-03-07T00:00:00.000Z', 21],
    ]);
    expect(r.curve.at(-1)!.sellThrough).toBeCloseTo(21 / 120, 12);
  });

  it('buckets by hour when asked', async () => {
    const r = await handler({ ...input, sales: sales.slice(0, 3), bucket: 'HOUR' });
    expect(r.perBucket).toEqual([
      {
        start: '2026-03-01T09:00:00.000Z',
        sold: 3,
        revenueCents: 14000,
        tiers: [
          { tierId: 'ga', sold: 2, revenueCents: 5000 },
          { tierId: 'vip', sold: 1, revenueCents: 9000 },
        ],
      },
      { start: '2026-03-01T10:00:00.000Z', sold: 0, revenueCents: 0, tiers: [] },
      {
        start: '2026-03-01T11:00:00.000Z',
        sold: 4,
        revenueCents: 10000,
        tiers: [{ tierId: 'ga', sold: 4, revenueCents: 10000 }],
      },
    ]);
    expect(r.curve).toEqual([
      { at: '2026-03-01T10:00:00.000Z', cumulativeSold: 3, sellThrough: 3 / 120 },
      { at: '2026-03-01T11:00:00.000Z', cumulativeSold: 3, sellThrough: 3 / 120 },
      { at: '2026-03-01T12:00:00.000Z', cumulativeSold: 7, sellThrough: 7 / 120 },
    ]);
  });

  it('is deterministic whatever the order of the sales', () => {
    const shuffled = [sales[3]!, sales[0]!, sales[4]!, sales[2]!, sales[1]!];
    expect(salesReport({ ...input, sales: shuffled })).toEqual(salesReport(input));
    expect(JSON.stringify(salesReport(input))).toBe(
      JSON.stringify(salesReport(structuredClone(input))),
    );
  });

  it('reports an event without sales, or without tiers, as zeros', async () => {
    expect(await handler({ ...input, sales: [] })).toMatchObject({
      ticketsSold: 0,
      revenueCents: 0,
      sellThrough: 0,
      perBucket: [],
      curve: [],
    });
    expect(await handler({ eventId: 'e', tiers: [], sales: [] })).toEqual({
      eventId: 'e',
      ticketsSold: 0,
      revenueCents: 0,
      capacity: 0,
      sellThrough: 0,
      perTier: [],
      perBucket: [],
      curve: [],
    });
  });

  it('keeps sell-through at most 1 when a tier was cut below what it had sold', async () => {
    const r = await handler({
      eventId: 'e',
      tiers: [{ tierId: 'ga', name: 'GA', priceCents: 100, capacity: 5 }],
      sales: [{ tierId: 'ga', quantity: 8, totalCents: 800, soldAt: '2026-01-01T00:00:00Z' }],
    });
    expect(r.perTier[0]).toMatchObject({ sold: 8, capacity: 5, sellThrough: 1 });
    expect(r.sellThrough).toBe(1);
    expect(r.curve[0]!.sellThrough).toBe(1);
  });

  const sale = (over: object) => ({ ...input, sales: [{ ...sales[0]!, ...over }] });
  it.each([
    [
      'a sale of an unknown tier',
      sale({ tierId: 'balcony' }),
      /sales\[0\]\.tierId: "balcony" is not one of the event's tiers/,
    ],
    [
      'a negative quantity',
      sale({ quantity: -2 }),
      /sales\[0\]\.quantity: must be a positive integer/,
    ],
    ['a zero quantity', sale({ quantity: 0 }), /sales\[0\]\.quantity: must be a positive integer/],
    ['a fractional quantity', sale({ quantity: 1.5 }), /sales\[0\]\.quantity: must be an integer/],
    [
      'negative revenue',
      sale({ totalCents: -100 }),
      /sales\[0\]\.totalCents: must not be negative/,
    ],
    [
      'an impossible date',
      sale({ soldAt: '2026-13-01T00:00:00Z' }),
      /sales\[0\]\.soldAt: must be an ISO-8601 date-time/,
    ],
    [
      'a date without a zone',
      sale({ soldAt: '2026-03-01T09:15:00' }),
      /sales\[0\]\.soldAt: must be an ISO-8601 date-time/,
    ],
    [
      'a date that is not a string',
      sale({ soldAt: 1767225600000 }),
      /sales\[0\]\.soldAt: Expected string, received number/,
    ],
    [
      'a missing capacity',
      { ...input, tiers: [{ tierId: 'ga', name: 'GA', priceCents: 1 }] },
      /tiers\[0\]\.capacity: Required/,
    ],
    [
      'a negative capacity',
      { ...input, tiers: [{ ...tiers[0]!, capacity: -1 }] },
      /tiers\[0\]\.capacity: must not be negative/,
    ],
    [
      'a tier listed twice',
      { ...input, tiers: [...tiers, { ...tiers[1]! }] },
      /tiers\[3\]\.tierId: "vip" is listed twice/,
    ],
    ['an unknown bucket', { ...input, bucket: 'WEEK' }, /bucket: Invalid enum value/],
    ['a missing event id', { tiers, sales }, /eventId: Required/],
    ['no object at all', 'report please', /input: Expected object, received string/],
  ])('rejects %s with InvalidInputError', async (_what, event, message) => {
    const err = await rejection(handler(event as SalesReportInput));
    expect(err).toBeInstanceOf(InvalidInputError);
    expect(err.name).toBe('InvalidInputError');
    expect(err.message).toMatch(/^Invalid sales-report input: /);
    expect(err.message).toMatch(message);
  });

  it('refuses hourly buckets over a span too long to report, suggesting daily ones', async () => {
    const far = {
      ...input,
      bucket: 'HOUR' as const,
      sales: [sales[0]!, { ...sales[0]!, soldAt: '2028-03-01T00:00:00Z' }],
    };
    const err = await rejection(handler(far));
    expect(err.message).toMatch(
      new RegExp(`more than the ${MAX_BUCKETS} buckets a report holds; ask for bucket DAY`),
    );
    expect((await handler({ ...far, bucket: 'DAY' })).perBucket).toHaveLength(732); // 2026-03-01 .. 2028-03-01 inclusive (2028 is a leap year)
  });

  it('sums takings past 2^31 cents exactly, and refuses sums past 2^53', async () => {
    const big = 2 ** 31 + 1;
    const r = await handler({
      ...input,
      sales: [
        { tierId: 'vip', quantity: 1, totalCents: big, soldAt: '2026-03-01T09:00:00Z' },
        { tierId: 'vip', quantity: 1, totalCents: 2 ** 52 + 3, soldAt: '2026-03-01T10:00:00Z' },
      ],
    });
    expect(r.revenueCents).toBe(2 ** 52 + 3 + big);
    expect(r.perTier.find((t) => t.tierId === 'vip')!.revenueCents).toBe(2 ** 52 + 3 + big);
    const past = await rejection(
      handler({
        ...input,
        sales: [
          { tierId: 'vip', quantity: 1, totalCents: 2 ** 53 - 1, soldAt: '2026-03-01T09:00:00Z' },
          { tierId: 'vip', quantity: 1, totalCents: 2, soldAt: '2026-03-01T10:00:00Z' },
        ],
      }),
    );
    expect(past).toBeInstanceOf(InvalidInputError);
    expect(past.message).toMatch(/past 2\^53 - 1 cents/);
    const unsafe = await rejection(
      handler({
        ...input,
        sales: [
          { tierId: 'vip', quantity: 1, totalCents: 2 ** 53, soldAt: '2026-03-01T09:00:00Z' },
        ],
      }),
    );
    expect(unsafe.message).toMatch(/totalCents: must be at most 2\^53 - 1 cents/);
  });
});
