import { InvalidInputError } from './errors';
import type {
  Bucket,
  BucketReport,
  CurvePoint,
  ParsedSalesReportInput,
  SalesReport,
  TierBucketReport,
  TierReport,
} from './input';

const BUCKET_MS: Record<Bucket, number> = { HOUR: 3_600_000, DAY: 86_400_000 };

/** More buckets than this (HOUR over ~14 months) would make a response too big to be useful. */
export const MAX_BUCKETS = 10_000;

/** sold / capacity, clamped to [0, 1]: capacity can be lowered below what was already sold. */
export function ratio(sold: number, capacity: number): number {
  if (capacity <= 0) return 0;
  return Math.min(1, sold / capacity);
}

/**
 * Builds the report. Pure and deterministic: the same input gives the same output,
 * whatever the order of `sales` (ties keep their input order, and sums don't care).
 */
export function buildSalesReport(input: ParsedSalesReportInput): SalesReport {
  const bucket: Bucket = input.bucket ?? 'DAY';
  const width = BUCKET_MS[bucket];

  const tiers = new Map<string, TierReport>();
  input.tiers.forEach((tier, i) => {
    if (tiers.has(tier.tierId)) {
      throw new InvalidInputError(
        `Invalid sales-report input: tiers[${i}].tierId: "${tier.tierId}" is listed twice`,
      );
    }
    tiers.set(tier.tierId, {
      tierId: tier.tierId,
      name: tier.name,
      sold: 0,
      revenueCents: 0,
      capacity: tier.capacity,
      sellThrough: 0,
    });
  });

  const sales = input.sales.map((sale, i) => {
    const tier = tiers.get(sale.tierId);
    if (!tier) {
      throw new InvalidInputError(
        `Invalid sales-report input: sales[${i}].tierId: "${sale.tierId}" is not one of the event's tiers`,
      );
    }
    tier.sold += sale.quantity;
    tier.revenueCents += sale.totalCents;
    return {
      tierId: sale.tierId,
      at: Date.parse(sale.soldAt),
      quantity: sale.quantity,
      totalCents: sale.totalCents,
    };
  });

  const perTier = [...tiers.values()].map((t) => ({
    ...t,
    sellThrough: ratio(t.sold, t.capacity),
  }));
  const ticketsSold = perTier.reduce((n, t) => n + t.sold, 0);
  const revenueCents = perTier.reduce((n, t) => n + t.revenueCents, 0);
  const capacity = perTier.reduce((n, t) => n + t.capacity, 0);

  const perBucket: BucketReport[] = [];
  const curve: CurvePoint[] = [];
  if (sales.length > 0) {
    const floor = (ms: number) => Math.floor(ms / width) * width;
    let first = Infinity;
    let last = -Infinity;
    for (const s of sales) {
      first = Math.min(first, s.at);
      last = Math.max(last, s.at);
    }
    const firstStart = floor(first);
    const count = (floor(last) - firstStart) / width + 1;
    if (count > MAX_BUCKETS) {
      throw new InvalidInputError(
        `Invalid sales-report input: sales span ${count} ${bucket === 'HOUR' ? 'hours' : 'days'}, more than the ${MAX_BUCKETS} buckets a report holds` +
          (bucket === 'HOUR' ? '; ask for bucket DAY' : ''),
      );
    }
    const sold = new Array<number>(count).fill(0);
    const revenue = new Array<number>(count).fill(0);
    // Per bucket, per tier (sparse: only the buckets where a tier sold).
    const byTier = new Map<number, Map<string, TierBucketReport>>();
    for (const s of sales) {
      const i = (floor(s.at) - firstStart) / width;
      sold[i]! += s.quantity;
      revenue[i]! += s.totalCents;
      const inBucket = byTier.get(i) ?? new Map<string, TierBucketReport>();
      byTier.set(i, inBucket);
      const line = inBucket.get(s.tierId) ?? { tierId: s.tierId, sold: 0, revenueCents: 0 };
      inBucket.set(s.tierId, line);
      line.sold += s.quantity;
      line.revenueCents += s.totalCents;
    }
    const tierOrder = [...tiers.keys()];
    let cumulative = 0;
    for (let i = 0; i < count; i++) {
      const start = firstStart + i * width;
      perBucket.push({
        start: new Date(start).toISOString(),
        sold: sold[i]!,
        revenueCents: revenue[i]!,
        tiers: tierOrder.flatMap((id) => byTier.get(i)?.get(id) ?? []),
      });
      cumulative += sold[i]!;
      curve.push({
        at: new Date(start + width).toISOString(),
        cumulativeSold: cumulative,
        sellThrough: ratio(cumulative, capacity),
      });
    }
  }

  return {
    eventId: input.eventId,
    ticketsSold,
    revenueCents,
    capacity,
    sellThrough: ratio(ticketsSold, capacity),
    perTier,
    perBucket,
    curve,
  };
}
