import { ScrollRegion } from '../../components/common';
import { Link } from 'react-router';
import { formatEventTimeLine, formatMoney, formatShare, plural } from '../../lib/format';
import type { OrganizedEvent } from './operations';
import { eventTotals } from './SalesPanel';

/**
 * The dashboard's front page: the organizer's upcoming events with what each has sold and
 * earned (in its own currency: sums across currencies would mean nothing), or, for a new
 * organizer, how to start.
 */
export function Overview({ events, now = Date.now() }: { events: OrganizedEvent[]; now?: number }) {
  if (events.length === 0) {
    return (
      <div className="card empty-state" data-testid="dashboard-welcome">
        <h2>Welcome to your dashboard</h2>
        <p>Three steps to your first sale:</p>
        <ol className="steps">
          <li>Create an event: it starts as a draft that only you can see.</li>
          <li>Add ticket tiers with their prices and capacities.</li>
          <li>Publish it, then watch sales arrive here live.</li>
        </ol>
        <Link className="button button-primary" to="/dashboard/new">
          Create your first event
        </Link>
      </div>
    );
  }
  const upcoming = events.filter((e) => e.status !== 'CANCELLED' && Date.parse(e.startsAt) > now);
  const drafts = upcoming.filter((e) => e.status === 'DRAFT').length;
  return (
    <section className="card" aria-labelledby="overview-heading" data-testid="dashboard-overview">
      <h2 id="overview-heading">Upcoming events</h2>
      <p className="muted">
        {plural(upcoming.length, 'upcoming event')}
        {drafts > 0 && ` · ${plural(drafts, 'draft')} to publish`}
      </p>
      {upcoming.length === 0 ? (
        <p>
          Nothing upcoming. <Link to="/dashboard/new">Create an event</Link> to start selling again.
        </p>
      ) : (
        <ScrollRegion label="Upcoming events">
          <table className="table">
            <thead>
              <tr>
                <th scope="col">Event</th>
                <th scope="col">Sold</th>
                <th scope="col">Revenue</th>
              </tr>
            </thead>
            <tbody>
              {upcoming.map((e) => {
                const totals = eventTotals(e);
                return (
                  <tr key={e.id} data-testid="overview-row">
                    <th scope="row">
                      <Link to={`/dashboard/events/${e.id}`}>{e.title}</Link>
                      <span className="muted small block">
                        {formatEventTimeLine(e.startsAt, e.timeZone)}
                        {e.status === 'DRAFT' && ' · draft'}
                      </span>
                    </th>
                    <td>
                      {totals.sold} / {totals.capacity}
                      {totals.capacity > 0 && (
                        <span className="muted small block">
                          {formatShare(totals.sold, totals.capacity)}
                        </span>
                      )}
                    </td>
                    <td>{formatMoney(totals.revenueCents, e.currency)}</td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </ScrollRegion>
      )}
    </section>
  );
}
