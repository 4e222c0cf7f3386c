import { InvalidInputError, describeZodError } from './errors';
import { salesReportInputSchema, type SalesReport, type SalesReportInput } from './input';
import { buildSalesReport } from './report';

export { InvalidInputError } from './errors';
export { buildSalesReport, MAX_BUCKETS } from './report';
export type {
  Bucket,
  BucketReport,
  CurvePoint,
  SalesReport,
  SalesReportInput,
  TierReport,
} from './input';

/**
 * Validates the event and builds the report. Throws `InvalidInputError` for a malformed event,
 * a sale of an unknown tier, a duplicated tier, a non-positive quantity or a bad date.
 */
export function salesReport(event: unknown): SalesReport {
  const parsed = salesReportInputSchema.safeParse(event);
  if (!parsed.success) {
    throw new InvalidInputError(`Invalid sales-report input: ${describeZodError(parsed.error)}`);
  }
  const report = buildSalesReport(parsed.data);
  // The total is the largest sum in the report: exact, so is every other.
  if (!Number.isSafeInteger(report.revenueCents)) {
    throw new InvalidInputError('Invalid sales-report input: sales add up past 2^53 - 1 cents');
  }
  return report;
}

/** The Lambda entry point (`index.handler` once bundled). */
export async function handler(event: SalesReportInput): Promise<SalesReport> {
  return salesReport(event);
}
