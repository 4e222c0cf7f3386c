// Event.salesReport lands after the rest of the contract (rendered by the sales-report lambda):
// this operation is checked against the graph, and the chart shown, only once the graph has a
// matching field (SCHEMA_FEATURES.salesReport, scripts/codegen.ts).
import { useEffect, useRef } from 'react';
import { useQuery, type TypedDocumentNode } from 'urql';
import { graphql } from '../../gql';
import { ErrorNotice, Loading } from '../../components/common';
import { formatMoney, formatUtcDay } from '../../lib/format';

interface SalesReportData {
  event: {
    id: string;
    salesReport: {
      ticketsSold: number;
      revenueCents: number;
      capacity: number;
      sellThrough: number;
      perTier: Array<{
        tierId: string;
        name: string;
        sold: number;
        capacity: number;
        revenueCents: number;
      }>;
      curve: Array<{ at: string; cumulativeSold: number }>;
    } | null;
  } | null;
}

// Typed by hand: before the field exists, codegen does not know this operation.
const SalesReportDocument = graphql(`
  query SalesReport($id: ID!) {
    event(id: $id) {
      id
      salesReport {
        ticketsSold
        revenueCents
        capacity
        sellThrough
        perTier {
          tierId
          name
          sold
          capacity
          revenueCents
        }
        curve {
          at
          cumulativeSold
        }
      }
    }
  }
`) as unknown as TypedDocumentNode<SalesReportData, { id: string }>;

const W = 600;
const H = 220;
const PAD = { left: 44, right: 12, top: 12, bottom: 28 };

/** `soldCount` is the live total: the report is asked for again when it moves. */
/** A curve point stands at the end of its period (the midnight after the day): label it with that day. */
const periodLabel = (at: string) => formatUtcDay(new Date(Date.parse(at) - 1).toISOString());

export function SalesReport({ eventId, soldCount }: { eventId: string; soldCount: number }) {
  const [{ data, error, fetching }, reexecute] = useQuery({
    query: SalesReportDocument,
    variables: { id: eventId },
    requestPolicy: 'network-only',
  });
  const seen = useRef(soldCount);
  useEffect(() => {
    if (seen.current === soldCount) return;
    seen.current = soldCount;
    reexecute({ requestPolicy: 'network-only' });
  }, [soldCount, reexecute]);
  const report = data?.event?.salesReport;
  if (!report) {
    if (fetching) return <Loading label="Preparing the sales report…" />;
    return (
      <ErrorNotice error={error} onRetry={() => reexecute({ requestPolicy: 'network-only' })} />
    );
  }
  const points = report.curve;
  const maxY = Math.max(1, report.capacity, ...points.map((p) => p.cumulativeSold));
  const x = (i: number) =>
    PAD.left + (points.length <= 1 ? 0.5 : i / (points.length - 1)) * (W - PAD.left - PAD.right);
  const y = (v: number) => H - PAD.bottom - (v / maxY) * (H - PAD.top - PAD.bottom);
  const path = points
    .map((p, i) => `${i === 0 ? 'M' : 'L'}${x(i).toFixed(1)},${y(p.cumulativeSold).toFixed(1)}`)
    .join(' ');

  return (
    <section className="report" aria-labelledby="report-heading">
      <h4 id="report-heading">Sales report</h4>
      <p className="muted">
        {report.ticketsSold} of {report.capacity} sold ({Math.round(report.sellThrough * 100)}%) ·{' '}
        {formatMoney(report.revenueCents)}
      </p>
      {points.length > 0 && (
        <svg
          className="report-chart"
          viewBox={`0 0 ${W} ${H}`}
          role="img"
          aria-label={`Tickets sold over time, reaching ${report.ticketsSold} of ${report.capacity}`}
        >
          <line x1={PAD.left} y1={y(0)} x2={W - PAD.right} y2={y(0)} stroke="#c6cad8" />
          <line
            x1={PAD.left}
            y1={y(report.capacity)}
            x2={W - PAD.right}
            y2={y(report.capacity)}
            stroke="#c6cad8"
            strokeDasharray="4 4"
          />
          <text
            x={PAD.left - 6}
            y={y(report.capacity) + 4}
            textAnchor="end"
            fontSize="11"
            fill="#5d6275"
          >
            {report.capacity}
          </text>
          <text x={PAD.left - 6} y={y(0) + 4} textAnchor="end" fontSize="11" fill="#5d6275">
            0
          </text>
          <path d={path} fill="none" stroke="#4338ca" strokeWidth="2.5" />
          {/* Markers, so a single period (or a few) still shows. */}
          {points.length <= 60 &&
            points.map((p, i) => (
              <circle key={p.at} cx={x(i)} cy={y(p.cumulativeSold)} r="4" fill="#4338ca" />
            ))}
          {points.length === 1 ? (
            <text x={x(0)} y={H - 8} fontSize="11" fill="#5d6275" textAnchor="middle">
              {periodLabel(points[0]!.at)}
            </text>
          ) : (
            <>
              <text x={PAD.left} y={H - 8} fontSize="11" fill="#5d6275">
                {periodLabel(points[0]!.at)}
              </text>
              <text x={W - PAD.right} y={H - 8} fontSize="11" fill="#5d6275" textAnchor="end">
                {periodLabel(points[points.length - 1]!.at)}
              </text>
            </>
          )}
        </svg>
      )}
      <table className="table">
        <caption className="visually-hidden">Sales per tier</caption>
        <thead>
          <tr>
            <th scope="col">Tier</th>
            <th scope="col">Sold</th>
            <th scope="col">Revenue</th>
          </tr>
        </thead>
        <tbody>
          {report.perTier.map((t) => (
            <tr key={t.tierId}>
              <th scope="row">{t.name}</th>
              <td>
                {t.sold} / {t.capacity}
              </td>
              <td>{formatMoney(t.revenueCents)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
