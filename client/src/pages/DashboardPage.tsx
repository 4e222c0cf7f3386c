import { useEffect, useRef } from 'react';
import { Link, NavLink, useParams } from 'react-router';
import { useQuery } from 'urql';
import {
  ErrorNotice,
  Loading,
  Notice,
  StatusBadge,
  useSignInRedirect,
  useTitle,
} from '../components/common';
import { formatEventTimeLine } from '../lib/format';
import { useSession } from '../session/session';
import { CreateEventForm } from './dashboard/CreateEventForm';
import { EventManager } from './dashboard/EventManager';
import { DashboardDocument } from './dashboard/operations';
import { Overview } from './dashboard/Overview';

export function DashboardPage({ creating = false }: { creating?: boolean }) {
  useTitle('Dashboard');
  const { id } = useParams();
  const { viewer, reconnects } = useSession();
  const askToSignIn = useSignInRedirect();
  const [{ data, error, fetching }, reexecute] = useQuery({
    query: DashboardDocument,
    pause: !viewer,
    requestPolicy: 'cache-and-network',
  });
  // Sales that happened while the live connection was down arrive with a fresh read.
  useEffect(() => {
    if (reconnects > 0 && viewer) reexecute({ requestPolicy: 'network-only' });
  }, [reconnects, viewer, reexecute]);

  useEffect(() => {
    if (viewer === null) askToSignIn();
  }, [viewer, askToSignIn]);

  // On a phone the list stands above the panel: choosing an event brings its panel into view
  // (once per choice, when it is there) instead of leaving the reader at the top of the list.
  const main = useRef<HTMLElement>(null);
  const chosen = creating ? 'new' : id;
  const loaded = Boolean(data);
  useEffect(() => {
    const panel = main.current;
    if (!chosen || !panel) return;
    const top = panel.getBoundingClientRect().top;
    if (top < 0 || top > window.innerHeight / 2) panel.scrollIntoView({ block: 'start' });
  }, [chosen, loaded]);

  if (!viewer || (!data && fetching)) return <Loading label="Loading your dashboard…" />;
  if (viewer.role !== 'ORGANIZER') {
    return (
      <section className="empty-state">
        <h1>Dashboard</h1>
        <p>The dashboard is for organizers. Create an organizer account to run your own events.</p>
        <Link className="button" to="/">
          Browse events
        </Link>
      </section>
    );
  }

  const events = [...(data?.me?.organizedEvents ?? [])].sort((a, b) =>
    a.startsAt.localeCompare(b.startsAt),
  );
  const selected = events.find((e) => e.id === id);

  return (
    <div className="dashboard">
      <aside className="dashboard-nav card" aria-label="Your events">
        <div className="dashboard-nav-head">
          <h1>Your events</h1>
          <Link className="button button-small" to="/dashboard/new">
            New event
          </Link>
        </div>
        <ErrorNotice error={error} onRetry={() => reexecute({ requestPolicy: 'network-only' })} />
        {events.length === 0 ? (
          <p className="muted">No events yet.</p>
        ) : (
          <ul className="dashboard-events">
            {events.map((e) => (
              <li key={e.id}>
                <NavLink to={`/dashboard/events/${e.id}`}>
                  <span className="dashboard-event-title">{e.title}</span>
                  <span className="muted small">{formatEventTimeLine(e.startsAt, e.timeZone)}</span>
                  <StatusBadge status={e.status} />
                </NavLink>
              </li>
            ))}
          </ul>
        )}
      </aside>
      <section className="dashboard-main" ref={main} data-testid="dashboard-panel">
        {creating ? (
          <CreateEventForm onCreated={() => reexecute({ requestPolicy: 'network-only' })} />
        ) : selected ? (
          <EventManager
            key={selected.id}
            event={selected}
            onDeleted={() => reexecute({ requestPolicy: 'network-only' })}
            onSale={() => reexecute({ requestPolicy: 'network-only' })}
          />
        ) : id && !fetching ? (
          <Notice kind="warning">This event is not one of yours, or it no longer exists.</Notice>
        ) : (
          <Overview events={events} />
        )}
      </section>
    </div>
  );
}
