import { ScrollRegion } from '../../components/common';
import { SalesReport } from '../../components/SalesReport';
import { formatMoney, formatTime, plural } from '../../lib/format';
import type { SalesUpdate } from '../../session/live';
import type { OrganizedEvent } from './operations';

type Tier = NonNullable<OrganizedEvent['tiers']>[number];

// `sold` and `held` are the organizer's counters; without them (an older tickets service),
// everything not available counts as sold, as before.
export const soldOf = (t: Tier): number => t.sold ?? t.capacity - t.available;
export const heldOf = (t: Tier): number => t.held ?? 0;

/** What an event has sold so far, from its tiers' counters (the rows the sales report reads). */
export function eventTotals(event: OrganizedEvent) {
  // Null when the tickets service cannot answer: the event still shows, without numbers.
  const tiers = event.tiers ?? [];
  return {
    sold: tiers.reduce((n, t) => n + soldOf(t), 0),
    capacity: tiers.reduce((n, t) => n + t.capacity, 0),
    revenueCents: tiers.reduce((n, t) => n + soldOf(t) * t.priceCents, 0),
  };
}

/** The live counters per tier, the feed of sales as they happen, and the sales report. */
export function SalesPanel({
  event,
  sales,
  onEditTier,
}: {
  event: OrganizedEvent;
  sales: SalesUpdate[];
  onEditTier: (tierId: string) => void;
}) {
  const tiers = event.tiers ?? [];
  const totals = eventTotals(event);
  const signature = tiers.map((t) => `${t.id}:${soldOf(t)}/${t.capacity}`).join(',');
  return (
    <section className="card" aria-labelledby="sales-heading">
      <h3 id="sales-heading">
        Sales{' '}
        {event.status === 'ON_SALE' && <span className="live-dot" role="img" aria-label="live" />}
      </h3>
      <div className="stats">
        <div className="stat">
          <span className="stat-value" data-testid="tickets-sold">
            {totals.sold}
          </span>
          <span className="stat-label">of {totals.capacity} tickets sold</span>
        </div>
        <div className="stat">
          <span className="stat-value">{formatMoney(totals.revenueCents, event.currency)}</span>
          <span className="stat-label">revenue</span>
        </div>
      </div>
      {tiers.length > 0 && (
        <ScrollRegion label="Sales per tier">
          <table className="table tiers-table">
            <thead>
              <tr>
                <th scope="col">Tier</th>
                <th scope="col">Price</th>
                <th scope="col">Sold</th>
                <th scope="col">Available</th>
                <th scope="col" className="hide-narrow">
                  Progress
                </th>
                {event.status !== 'CANCELLED' && (
                  <th scope="col">
                    <span className="visually-hidden">Actions</span>
                  </th>
                )}
              </tr>
            </thead>
            <tbody>
              {tiers.map((t) => (
                <tr key={t.id} data-testid="tier-row">
                  <th scope="row">{t.name}</th>
                  <td>{formatMoney(t.priceCents, event.currency)}</td>
                  <td data-testid="tier-sold">
                    {soldOf(t)} / {t.capacity}
                  </td>
                  <td>
                    {t.available}
                    {heldOf(t) > 0 && (
                      <span className="muted small block">{heldOf(t)} on hold</span>
                    )}
                  </td>
                  <td className="hide-narrow">
                    <progress
                      max={t.capacity}
                      value={soldOf(t)}
                      aria-label={`${t.name}: ${soldOf(t)} of ${t.capacity} sold`}
                    />
                  </td>
                  {event.status !== 'CANCELLED' && (
                    <td>
                      <button
                        type="button"
                        className="link-button"
                        aria-label={`Edit tier ${t.name}`}
                        onClick={() => onEditTier(t.id)}
                      >
                        Edit
                      </button>
                    </td>
                  )}
                </tr>
              ))}
            </tbody>
          </table>
        </ScrollRegion>
      )}
      {sales.length > 0 && (
        <>
          <h4>Just sold</h4>
          <ul className="sales-feed" aria-live="polite" data-testid="sales-feed">
            {sales.map((s) => (
              <li key={`${s.orderId}-${s.tierId}`}>
                <time dateTime={s.soldAt}>{formatTime(s.soldAt)}</time>{' '}
                {plural(s.quantity, 'ticket')} · {s.tierName} · {s.available} left
              </li>
            ))}
          </ul>
        </>
      )}
      {event.status !== 'CANCELLED' && (
        <SalesReport
          eventId={event.id}
          currency={event.currency}
          live={{ sold: totals.sold, capacity: totals.capacity, signature }}
        />
      )}
    </section>
  );
}
