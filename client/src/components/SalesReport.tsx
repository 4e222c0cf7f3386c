// Event.salesReport, rendered by the sales-report lambda: the organizer's chart and totals.
import { useEffect, useId, useRef, useState } from 'react';
import { useQuery } from 'urql';
import { graphql } from '../gql';
import { ErrorNotice, Loading, ScrollRegion } from './common';
import { formatMoney, formatShare } from '../lib/format';
import { SalesChart, tierColour } from './SalesChart';

type Bucket = 'HOUR' | 'DAY';

const SalesReportDocument = graphql(`
  query SalesReport($id: ID!, $bucket: SalesBucket!) {
    event(id: $id) {
      id
      salesReport(bucket: $bucket) {
        ticketsSold
        revenueCents
        capacity
        perTier {
          tierId
          name
          sold
          capacity
          revenueCents
        }
        perBucket {
          start
          sold
          tiers {
            tierId
            sold
          }
        }
      }
    }
  }
`);

/** The dashboard's live counters the report must agree with. */
export interface LiveCounters {
  sold: number;
  capacity: number;
  /** Changes whenever any tier's numbers do: the report is asked for again then. */
  signature: string;
}

export function SalesReport({
  eventId,
  currency,
  live,
}: {
  eventId: string;
  currency: string;
  live: LiveCounters;
}) {
  const [bucket, setBucket] = useState<Bucket>('DAY');
  const ids = { heading: useId() };
  const [{ data, error, fetching }, reexecute] = useQuery({
    query: SalesReportDocument,
    variables: { id: eventId, bucket },
    requestPolicy: 'network-only',
  });
  const seen = useRef(live.signature);
  useEffect(() => {
    if (seen.current === live.signature) return;
    seen.current = live.signature;
    reexecute({ requestPolicy: 'network-only' });
  }, [live.signature, reexecute]);
  const report = data?.event?.salesReport;
  // Both read the same rows; they differ only for the moment between a sale and the report's
  // next read. Rather than show two answers, the report waits for its fresh copy.
  const agrees = report && report.ticketsSold === live.sold && report.capacity === live.capacity;

  return (
    <section className="report" aria-labelledby={ids.heading} aria-busy={!agrees}>
      <div className="report-head">
        <h4 id={ids.heading}>Sales report</h4>
        <div className="segmented" role="group" aria-label="Sales per">
          {(['DAY', 'HOUR'] as const).map((b) => (
            <button
              key={b}
              type="button"
              className={`button button-small${bucket === b ? ' button-primary' : ' button-ghost'}`}
              aria-pressed={bucket === b}
              onClick={() => setBucket(b)}
            >
              Per {b === 'DAY' ? 'day' : 'hour'}
            </button>
          ))}
        </div>
      </div>
      {!agrees ? (
        error && !fetching ? (
          <ErrorNotice error={error} onRetry={() => reexecute({ requestPolicy: 'network-only' })} />
        ) : (
          <Loading label="Bringing the sales report up to date…" />
        )
      ) : (
        <>
          <p className="muted" data-testid="report-summary">
            {report.ticketsSold} of {report.capacity} sold (
            {formatShare(report.ticketsSold, report.capacity)}) ·{' '}
            {formatMoney(report.revenueCents, currency)}
          </p>
          {report.perBucket.length > 0 ? (
            <SalesChart
              periods={report.perBucket}
              tiers={report.perTier}
              capacity={report.capacity}
              bucket={bucket}
            />
          ) : (
            <p className="muted">No sales yet: the chart starts with the first one.</p>
          )}
          <ScrollRegion label="Sales report per tier">
            <table className="table">
              <caption className="visually-hidden">Sales per tier</caption>
              <thead>
                <tr>
                  <th scope="col">Tier</th>
                  <th scope="col">Sold</th>
                  <th scope="col">Sell-through</th>
                  <th scope="col">Revenue</th>
                </tr>
              </thead>
              <tbody>
                {report.perTier.map((t, i) => (
                  <tr key={t.tierId} data-testid="report-tier">
                    <th scope="row">
                      <span
                        className="swatch"
                        style={{ background: tierColour(i) }}
                        aria-hidden="true"
                      />
                      {t.name}
                    </th>
                    <td>
                      {t.sold} / {t.capacity}
                    </td>
                    <td>{formatShare(t.sold, t.capacity)}</td>
                    <td>{formatMoney(t.revenueCents, currency)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </ScrollRegion>
        </>
      )}
    </section>
  );
}
