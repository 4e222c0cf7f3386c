import type { DataSource } from 'typeorm';
import type { SalesReport, SalesReportInput } from '@ko/lambda-sales-report';
import {
  rows,
  safeInteger,
  forbidden,
  isUuid,
  notFound,
  requireViewer,
  type LambdaInvoker,
  type Logger,
  type Viewer,
} from '@ko/platform';
import type { TicketTier } from './entities/ticket-tier';
import type { EventDetails } from './events-client';
import { callLambda } from './lambda-calls';

export type SalesBucket = 'HOUR' | 'DAY';

/** One line of an event's sales: a tier's confirmed orders within one UTC hour or day. */
export interface SalesRow {
  tierId: string;
  quantity: number;
  totalCents: number;
  /** Start of the hour or day (ISO-8601, UTC). */
  soldAt: string;
}

export interface ReportSources {
  event(eventId: string): Promise<EventDetails | null>;
  tiers(eventId: string): Promise<TicketTier[]>;
  sales(eventId: string, bucket: SalesBucket): Promise<SalesRow[]>;
}

/**
 * Organizers' sales reports: totals, per tier, per hour or day and the sell-through curve.
 * This service supplies the rows (its own orders); the sales-report lambda does the sums.
 */
export class SalesReports {
  constructor(
    private readonly db: DataSource,
    private readonly lambda: Pick<LambdaInvoker, 'invoke'>,
    private readonly logger: Logger,
  ) {}

  /** The event's report; UNAUTHENTICATED without a token, FORBIDDEN for anyone but its organizer. */
  async report(
    viewer: Viewer | null,
    eventId: string,
    bucket: SalesBucket,
    sources: ReportSources,
  ): Promise<SalesReport> {
    const organizer = requireViewer(viewer);
    const event = await sources.event(eventId);
    if (!event) throw notFound('Event', eventId);
    if (event.organizerId !== organizer.id) {
      throw forbidden('Only the organizer of this event can see its sales report.');
    }
    const [tiers, sales] = await Promise.all([
      sources.tiers(eventId),
      sources.sales(eventId, bucket),
    ]);
    return callLambda<SalesReportInput, SalesReport>(this.lambda, this.logger, {
      name: 'sales-report',
      payload: {
        eventId,
        tiers: tiers.map((t) => ({
          tierId: t.id,
          name: t.name,
          priceCents: t.priceCents,
          capacity: t.capacity,
        })),
        sales,
        bucket,
      },
      action: 'build the sales report',
      // The bucket is the organizer's choice: an hourly report spanning too long is theirs to change.
      clientInput: true,
    });
  }

  /**
   * For DataLoader: each event's confirmed orders summed per tier and UTC hour or day. Summing
   * here keeps the lambda's payload small whatever the number of orders, and changes nothing in
   * the report, which buckets by the same hour or day. Cancelled orders are left out.
   */
  async salesOf(eventIds: readonly string[], bucket: SalesBucket): Promise<SalesRow[][]> {
    const valid = eventIds.filter(isUuid);
    const found = valid.length
      ? await rows<{
          event_id: string;
          tier_id: string;
          sold_at: Date;
          quantity: number;
          total_cents: string;
        }>(
          this.db.manager,
          `SELECT event_id, tier_id, date_trunc($2, created_at, 'UTC') AS sold_at,
                  sum(quantity)::int AS quantity, sum(total_cents)::bigint AS total_cents
           FROM orders WHERE event_id = ANY($1) AND status = 'CONFIRMED'
           GROUP BY event_id, tier_id, 3 ORDER BY 3, tier_id`,
          [valid, bucket === 'HOUR' ? 'hour' : 'day'],
        )
      : [];
    return eventIds.map((id) =>
      found
        .filter((row) => row.event_id === id)
        .map((row) => ({
          tierId: row.tier_id,
          quantity: row.quantity,
          totalCents: safeInteger(row.total_cents),
          soldAt: row.sold_at.toISOString(),
        })),
    );
  }
}
