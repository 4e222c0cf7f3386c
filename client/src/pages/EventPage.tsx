import { useEffect } from 'react';
import { Link, useParams } from 'react-router';
import { useQuery } from 'urql';
import { graphql } from '../gql';
import { ErrorNotice, Loading, Notice, StatusBadge, useTitle } from '../components/common';
import { BuyPanel } from '../components/BuyPanel';
import { ChatPanel } from '../components/ChatPanel';
import { formatDateTime } from '../lib/format';
import { useSession } from '../session/session';
import { useTicketsSold } from '../session/live';

const EventPageDocument = graphql(`
  query EventPage($id: ID!) {
    event(id: $id) {
      id
      title
      description
      category
      venue
      city
      startsAt
      status
      organizer {
        id
        name
      }
      tiers {
        id
        name
        priceCents
        capacity
        available
      }
    }
  }
`);

/** Just the availability, refreshed while a fan looks at the page. */
const EventAvailabilityDocument = graphql(`
  query EventAvailability($id: ID!) {
    event(id: $id) {
      id
      tiers {
        id
        available
      }
    }
  }
`);

const POLL_MS = 5_000;

export function EventPage() {
  const { id = '' } = useParams();
  const { viewer, reconnects } = useSession();
  const [{ data, error, fetching }, reexecute] = useQuery({
    query: EventPageDocument,
    variables: { id },
  });
  const [, refreshAvailability] = useQuery({
    query: EventAvailabilityDocument,
    variables: { id },
    pause: true,
  });
  const event = data?.event;
  useTitle(event?.title ?? (fetching ? undefined : 'Event'));
  const isOrganizer = Boolean(viewer && event?.organizer && viewer.id === event.organizer.id);

  // The organizer sees sales live; everyone else re-reads availability every few seconds
  // while the tab is visible (ticketsSold is the organizer's subscription).
  useTicketsSold(event?.id, isOrganizer && event?.status === 'ON_SALE');
  useEffect(() => {
    if (reconnects > 0) refreshAvailability({ requestPolicy: 'network-only' });
  }, [reconnects, refreshAvailability]);
  useEffect(() => {
    if (!event || isOrganizer || event.status !== 'ON_SALE') return;
    const timer = setInterval(() => {
      if (document.visibilityState === 'visible')
        refreshAvailability({ requestPolicy: 'network-only' });
    }, POLL_MS);
    return () => clearInterval(timer);
  }, [event, isOrganizer, refreshAvailability]);

  if (!event) {
    if (fetching) return <Loading label="Loading event…" />;
    if (error)
      return (
        <ErrorNotice error={error} onRetry={() => reexecute({ requestPolicy: 'network-only' })} />
      );
    return (
      <section className="empty-state">
        <h1>Event not found</h1>
        <p>This event does not exist, or it is not published yet.</p>
        <Link className="button" to="/">
          Browse events
        </Link>
      </section>
    );
  }

  return (
    <div className="event-layout">
      <article className="event-main">
        <header className="event-header card">
          <div className="event-card-top">
            <span className="pill">{event.category}</span>
            {event.status !== 'ON_SALE' && <StatusBadge status={event.status} />}
          </div>
          <h1>{event.title}</h1>
          <dl className="event-facts">
            <div>
              <dt>When</dt>
              <dd>
                <time dateTime={event.startsAt}>{formatDateTime(event.startsAt)}</time>
              </dd>
            </div>
            <div>
              <dt>Where</dt>
              <dd>
                {event.venue}, {event.city}
              </dd>
            </div>
            <div>
              <dt>Organizer</dt>
              <dd>{event.organizer?.name ?? '—'}</dd>
            </div>
          </dl>
          <p className="event-description">{event.description}</p>
          {isOrganizer && (
            <p>
              <Link
                to={`/dashboard/events/${event.id}`}
                className="button button-ghost button-small"
              >
                Manage in your dashboard
              </Link>
            </p>
          )}
        </header>

        {event.status === 'CANCELLED' ? (
          <Notice kind="warning">
            This event was cancelled. Its tickets are no longer on sale and orders have been
            cancelled.
          </Notice>
        ) : event.status === 'DRAFT' ? (
          <Notice kind="info">
            This event is a draft: publish it from your dashboard to put its tickets on sale.
          </Notice>
        ) : (
          <BuyPanel
            eventId={event.id}
            tiers={event.tiers ?? []}
            onPurchased={() => refreshAvailability({ requestPolicy: 'network-only' })}
          />
        )}
      </article>
      <aside className="event-aside" aria-label="Chat">
        <ChatPanel
          eventId={event.id}
          organizerId={event.organizer?.id}
          open={event.status === 'ON_SALE'}
        />
      </aside>
    </div>
  );
}
