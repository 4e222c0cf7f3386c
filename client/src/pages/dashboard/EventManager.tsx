import { useState } from 'react';
import { Link } from 'react-router';
import { useMutation } from 'urql';
import { SCHEMA_FEATURES } from '../../gql/schema-meta';
import { ErrorNotice, StatusBadge } from '../../components/common';
import { SalesReport } from '../../optional/salesReport/SalesReport';
import { formatEventTimeLine, formatMoney, formatTime, plural } from '../../lib/format';
import { useTicketsSold, type SalesUpdate } from '../../session/live';
import { AddTierForm } from './AddTierForm';
import { AnnouncementForm } from './AnnouncementForm';
import { CancelEventDocument, PublishEventDocument, type OrganizedEvent } from './operations';

export function EventManager({ event }: { event: OrganizedEvent }) {
  const [sales, setSales] = useState<SalesUpdate[]>([]);
  const [publishing, publish] = useMutation(PublishEventDocument);
  const [cancelling, cancel] = useMutation(CancelEventDocument);
  const [confirmCancel, setConfirmCancel] = useState(false);
  useTicketsSold(event.id, event.status === 'ON_SALE', (sale) =>
    setSales((list) => [sale, ...list].slice(0, 20)),
  );

  // Null when the tickets service cannot answer: the event still shows, without tiers.
  const tiers = event.tiers ?? [];
  const sold = tiers.reduce((n, t) => n + (t.capacity - t.available), 0);
  const capacity = tiers.reduce((n, t) => n + t.capacity, 0);
  const revenue = tiers.reduce((n, t) => n + (t.capacity - t.available) * t.priceCents, 0);

  return (
    <div className="manager">
      <header className="card">
        <div className="event-card-top">
          <span className="pill">{event.category}</span>
          <StatusBadge status={event.status} />
        </div>
        <h2>{event.title}</h2>
        <p className="muted">
          {formatEventTimeLine(event.startsAt, event.timeZone)} · {event.venue}, {event.city}
        </p>
        <div className="actions">
          <Link className="button button-ghost button-small" to={`/events/${event.id}`}>
            View event page
          </Link>
          {event.status === 'DRAFT' && (
            <button
              type="button"
              className="button button-primary button-small"
              disabled={publishing.fetching || tiers.length === 0}
              onClick={() => void publish({ id: event.id })}
            >
              {publishing.fetching ? 'Publishing…' : 'Publish'}
            </button>
          )}
          {event.status !== 'CANCELLED' &&
            (confirmCancel ? (
              <span className="confirm" role="group" aria-label="Confirm cancellation">
                <span>Cancel this event and all its orders?</span>
                <button
                  type="button"
                  className="button button-danger button-small"
                  disabled={cancelling.fetching}
                  onClick={() => void cancel({ id: event.id }).then(() => setConfirmCancel(false))}
                >
                  {cancelling.fetching ? 'Cancelling…' : 'Yes, cancel event'}
                </button>
                <button
                  type="button"
                  className="button button-ghost button-small"
                  onClick={() => setConfirmCancel(false)}
                >
                  Keep it
                </button>
              </span>
            ) : (
              <button
                type="button"
                className="button button-ghost button-small"
                onClick={() => setConfirmCancel(true)}
              >
                Cancel event
              </button>
            ))}
        </div>
        {event.status === 'DRAFT' && tiers.length === 0 && (
          <p className="hint">Add at least one ticket tier before publishing.</p>
        )}
        <ErrorNotice error={publishing.error ?? cancelling.error} />
      </header>

      <section className="card" aria-labelledby="sales-heading">
        <h3 id="sales-heading">
          Sales {event.status === 'ON_SALE' && <span className="live-dot" aria-label="live" />}
        </h3>
        <div className="stats">
          <div className="stat">
            <span className="stat-value" data-testid="tickets-sold">
              {sold}
            </span>
            <span className="stat-label">of {capacity} tickets sold</span>
          </div>
          <div className="stat">
            <span className="stat-value">{formatMoney(revenue, event.currency)}</span>
            <span className="stat-label">revenue</span>
          </div>
        </div>
        {tiers.length > 0 && (
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
              </tr>
            </thead>
            <tbody>
              {tiers.map((t) => (
                <tr key={t.id} data-testid="tier-row">
                  <th scope="row">{t.name}</th>
                  <td>{formatMoney(t.priceCents, event.currency)}</td>
                  <td data-testid="tier-sold">
                    {t.capacity - t.available} / {t.capacity}
                  </td>
                  <td>{t.available}</td>
                  <td className="hide-narrow">
                    <progress
                      max={t.capacity}
                      value={t.capacity - t.available}
                      aria-label={`${t.name}: ${t.capacity - t.available} of ${t.capacity} sold`}
                    />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
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
        {SCHEMA_FEATURES.salesReport && <SalesReport eventId={event.id} soldCount={sold} />}
      </section>

      {event.status !== 'CANCELLED' && <AddTierForm eventId={event.id} currency={event.currency} />}
      {event.status === 'ON_SALE' && <AnnouncementForm eventId={event.id} />}
    </div>
  );
}
