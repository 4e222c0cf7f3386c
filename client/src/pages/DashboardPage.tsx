import { useEffect } from 'react';
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
          <p className="muted">No events yet. Create your first one.</p>
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
      <section className="dashboard-main">
        {creating ? (
          <CreateEventForm onCreated={() => reexecute({ requestPolicy: 'network-only' })} />
        ) : selected ? (
          <EventManager key={selected.id} event={selected} />
        ) : id && !fetching ? (
          <Notice kind="warning">This event is not one of yours, or it no longer exists.</Notice>
        ) : (
          <div className="card empty-state">
            <h2>Run your events</h2>
            <p>
              Pick an event on the left to add ticket tiers, publish it, watch sales live and post
              announcements — or create a new one.
            </p>
          </div>
        )}
      </section>
    </div>
  );
}
