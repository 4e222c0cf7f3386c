import { z } from 'zod';

const id = z.string().trim().min(1, 'must not be empty').max(200, 'must be at most 200 characters');
/** Money is exact up to 2^53 (DESIGN.md): a JS number holds every such amount exactly. */
const cents = z
  .number()
  .int('must be an integer number of cents')
  .nonnegative('must not be negative')
  .max(Number.MAX_SAFE_INTEGER, 'must be at most 2^53 - 1 cents');

export const tierSchema = z.object({
  tierId: id,
  name: z.string().max(200, 'must be at most 200 characters'),
  priceCents: cents,
  capacity: z.number().int('must be an integer').nonnegative('must not be negative'),
});

export const saleSchema = z.object({
  tierId: id,
  quantity: z.number().int('must be an integer').positive('must be a positive integer'),
  totalCents: cents,
  /** ISO-8601 with a zone; normalised to UTC in the report. */
  soldAt: z.string().datetime({
    offset: true,
    message: 'must be an ISO-8601 date-time with a zone, e.g. 2026-07-01T19:30:00Z',
  }),
});

export const salesReportInputSchema = z.object({
  eventId: id,
  tiers: z.array(tierSchema),
  sales: z.array(saleSchema),
  /** Width of `perBucket` (and of the curve's steps), in UTC. DAY unless told. */
  bucket: z.enum(['HOUR', 'DAY']).optional(),
});

export type SalesReportInput = z.input<typeof salesReportInputSchema>;
export type ParsedSalesReportInput = z.output<typeof salesReportInputSchema>;
export type Bucket = 'HOUR' | 'DAY';

export interface TierReport {
  tierId: string;
  name: string;
  sold: number;
  revenueCents: number;
  capacity: number;
  /** sold / capacity, between 0 and 1 (0 for a tier without capacity). */
  sellThrough: number;
}

export interface BucketReport {
  /** Start of the UTC hour or day, ISO-8601. */
  start: string;
  sold: number;
  revenueCents: number;
  /** The tiers that sold in this bucket, in the order of `perTier`. */
  tiers: TierBucketReport[];
}

export interface TierBucketReport {
  tierId: string;
  sold: number;
  revenueCents: number;
}

export interface CurvePoint {
  /** End of a bucket, ISO-8601: what had been sold by then. */
  at: string;
  cumulativeSold: number;
  sellThrough: number;
}

export interface SalesReport {
  eventId: string;
  ticketsSold: number;
  revenueCents: number;
  capacity: number;
  /** ticketsSold / capacity, between 0 and 1. */
  sellThrough: number;
  /** Every tier, in the order given, including tiers with no sales. */
  perTier: TierReport[];
  /** Every bucket from the first sale's to the last sale's, empty ones included, oldest first. */
  perBucket: BucketReport[];
  /** One point per bucket: the running total at the bucket's end. */
  curve: CurvePoint[];
}
