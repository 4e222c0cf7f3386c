import { useEffect } from 'react';
import { Link, Navigate, useParams } from 'react-router';
import { useQuery } from 'urql';
import { graphql } from '../gql';
import type { EventPageQuery } from '../gql/graphql';
import { ErrorNotice, Loading, Notice, StatusBadge, useTitle } from '../components/common';
import { BuyPanel } from '../components/BuyPanel';
import { EventCover } from '../components/EventCover';
import { ChatPanel } from '../components/ChatPanel';
import { SaleCountdown } from '../components/SaleCountdown';
import { formatEventTime, formatMoney, plural } from '../lib/format';
import { useSession } from '../session/session';
import { useEventUpdated, useTicketsSold, type EventUpdate } from '../session/live';

const EventPageDocument = graphql(`
  query EventPage($id: ID!) {
    event(id: $id) {
      id
      imageUrl
      title
      description
      category
      venue
      city
      startsAt
      timeZone
      currency
      address
      icalendar
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
        salesStartAt
        salesEndAt
      }
      waitingRoom {
        enabled
      }
    }
  }
`);

/** The fan's waiting-room tickets: an admitted fan buys here, the others wait in line. */
const MyQueueTicketsDocument = graphql(`
  query MyQueueTickets {
    me {
      id
      queueTickets {
        id
        eventId
        status
        admittedUntil
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

/** The fan's own tickets, to say "You have N tickets for this event". */
const MyEventTicketsDocument = graphql(`
  query MyEventTickets {
    me {
      id
      tickets {
        id
        status
        event {
          id
        }
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
  const loaded = data?.event;
  // What eventUpdated said last overrides what was read: status, and each tier's places.
  const update = useEventUpdated(loaded?.id, Boolean(loaded) && loaded?.status !== 'CANCELLED');
  const event = loaded && withUpdate(loaded, update);
  useTitle(event?.title ?? (fetching ? undefined : 'Event'));
  const isOrganizer = Boolean(viewer && event?.organizer && viewer.id === event.organizer.id);
  const [mine] = useQuery({
    query: MyEventTicketsDocument,
    pause: !viewer,
    requestPolicy: 'cache-and-network',
  });
  const [queue] = useQuery({
    query: MyQueueTicketsDocument,
    pause: !viewer || !loaded?.waitingRoom?.enabled,
    requestPolicy: 'network-only',
  });
  // This render's moment; no timer re-renders the page at a sale's edges: eventUpdated does.
  const now = Date.now();
  const myTickets = (mine.data?.me?.tickets ?? []).filter(
    (t) => t.event.id === id && t.status !== 'CANCELLED',
  ).length;

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

  // While the room is on, fans wait in line unless their admission is running.
  const admitted = queue.data?.me?.queueTickets?.some(
    (t) =>
      t.eventId === event.id &&
      t.status === 'ADMITTED' &&
      t.admittedUntil &&
      new Date(t.admittedUntil).getTime() > now,
  );
  if (
    event.waitingRoom?.enabled &&
    event.status === 'ON_SALE' &&
    !isOrganizer &&
    (!viewer || (!queue.fetching && queue.data && !admitted))
  )
    return <Navigate to={`/events/${event.id}/queue`} replace />;

  const onSale = event.status === 'ON_SALE' && (event.tiers?.length ?? 0) > 0;
  const cheapest = Math.min(...(event.tiers ?? []).map((t) => t.priceCents));
  return (
    <div className={`event-layout${onSale ? ' has-buy-bar' : ''}`}>
      <article className="event-main">
        <header className="event-header card">
          <EventCover event={event} size="hero" />
          <div className="event-card-top">
            <span className="pill">{event.category}</span>
            {event.status !== 'ON_SALE' && <StatusBadge status={event.status} />}
          </div>
          <h1>{event.title}</h1>
          <dl className="event-facts">
            <div>
              <dt>When</dt>
              <dd>
                <EventTime startsAt={event.startsAt} timeZone={event.timeZone} />
                <a
                  className="calendar-link"
                  href={calendarHref(event.icalendar)}
                  download={`${event.title.replace(/[^\w-]+/g, '-')}.ics`}
                >
                  Add to calendar
                </a>
              </dd>
            </div>
            <div>
              <dt>Where</dt>
              <dd>
                {event.venue}, {event.address ? `${event.address}, ` : ''}
                {event.city}{' '}
                <a
                  className="map-link"
                  href={mapHref([event.venue, event.address, event.city])}
                  target="_blank"
                  rel="noreferrer"
                >
                  Map
                </a>
              </dd>
            </div>
            <div>
              <dt>Organizer</dt>
              <dd>{event.organizer?.name ?? '—'}</dd>
            </div>
          </dl>
          <p className="event-description">{event.description}</p>
          {myTickets > 0 && (
            <p className="my-tickets-note">
              You have {plural(myTickets, 'ticket')} for this event.{' '}
              <Link to="/profile">See your tickets</Link>
            </p>
          )}
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
          <>
            <SaleCountdown startsAt={(event.tiers ?? []).map((t) => t.salesStartAt)} />
            <BuyPanel
              eventId={event.id}
              currency={event.currency}
              tiers={(event.tiers ?? []).map((t) => inWindow(t, now))}
              onPurchased={() => {
                refreshAvailability({ requestPolicy: 'network-only' });
              }}
            />
          </>
        )}
      </article>
      {onSale && (
        <div className="buy-bar">
          <span>From {formatMoney(cheapest, event.currency)}</span>
          <a className="button button-primary" href="#tickets">
            Get tickets
          </a>
        </div>
      )}
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

type LoadedEvent = NonNullable<EventPageQuery['event']>;
type LoadedTier = NonNullable<LoadedEvent['tiers']>[number];

const at = (iso: string | null | undefined) => (iso ? new Date(iso).getTime() : undefined);

/** A tier with what eventUpdated last said of it: whether it is on sale now. */
type LiveTier = LoadedTier & { onSale?: boolean };

/**
 * A tier as the buy panel shows it: outside its sale window it has nothing to sell. Whether it is
 * on sale is what eventUpdated said last (pushed at each edge of the window, so the sale opens on
 * the page at that moment without a reload, whatever the visitor's clock says); before the first
 * update, the window at this render. The server decides anyway (NOT_ON_SALE).
 */
function inWindow(tier: LiveTier, now: number) {
  const start = at(tier.salesStartAt);
  const end = at(tier.salesEndAt);
  const open =
    tier.onSale ?? ((start === undefined || start <= now) && (end === undefined || now < end));
  if (open) return tier;
  if (start !== undefined && now < start)
    return { ...tier, available: 0, opensAt: tier.salesStartAt };
  return { ...tier, available: 0, saleEnded: end !== undefined && now >= end };
}

function withUpdate(
  event: LoadedEvent,
  update: EventUpdate | undefined,
): LoadedEvent & { tiers: LiveTier[] | null } {
  if (!update || update.eventId !== event.id) return event;
  const liveTiers = new Map(update.tiers.map((t) => [t.tierId, t]));
  return {
    ...event,
    status: update.status,
    tiers:
      event.tiers?.map((t) => {
        const live = liveTiers.get(t.id);
        if (!live) return t;
        return {
          ...t,
          available: live.available,
          onSale: live.onSale,
          salesStartAt: live.salesStartAt ?? null,
          salesEndAt: live.salesEndAt ?? null,
        };
      }) ?? null,
  };
}

/** The venue's local time with its zone, and the visitor's own where it differs. */
export function EventTime({ startsAt, timeZone }: { startsAt: string; timeZone: string }) {
  const { venue, visitor } = formatEventTime(startsAt, timeZone);
  return (
    <>
      <time dateTime={startsAt} className="venue-time">
        {venue}
      </time>
      {visitor && <span className="visitor-time muted">Your time: {visitor}</span>}
    </>
  );
}

export const calendarHref = (ics: string): string =>
  `data:text/calendar;charset=utf-8,${encodeURIComponent(ics)}`;

const mapHref = (parts: Array<string | null | undefined>): string =>
  `https://www.openstreetmap.org/search?query=${encodeURIComponent(parts.filter(Boolean).join(', '))}`;
