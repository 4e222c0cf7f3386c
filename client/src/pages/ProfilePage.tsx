import { useEffect, useMemo } from 'react';
import { Link } from 'react-router';
import { useQuery } from 'urql';
import { graphql } from '../gql';
import type { MyTicketsQuery } from '../gql/graphql';
import {
  ErrorNotice,
  Loading,
  ScrollRegion,
  StatusBadge,
  useSignInRedirect,
  useTitle,
} from '../components/common';
import { QrCode } from '../components/QrCode';
import { OrderPdfButton } from '../components/OrderPdfButton';
import { formatDate, formatEventTimeLine, formatMoney, plural } from '../lib/format';
import { useSession } from '../session/session';

const MyTicketsDocument = graphql(`
  query MyTickets {
    me {
      id
      name
      email
      tickets {
        id
        code
        status
        tier {
          id
          name
          priceCents
        }
        event {
          id
          title
          startsAt
          timeZone
          currency
          status
          venue
          city
        }
      }
      orders {
        id
        number
        status
        totalCents
        createdAt
        quantity
        event {
          id
          title
          currency
          status
        }
        tier {
          id
          name
        }
      }
    }
  }
`);

type Ticket = NonNullable<NonNullable<MyTicketsQuery['me']>['tickets']>[number];

export function ProfilePage() {
  useTitle('My tickets');
  const { viewer } = useSession();
  const askToSignIn = useSignInRedirect();
  const [{ data, error, fetching }, reexecute] = useQuery({
    query: MyTicketsDocument,
    pause: !viewer,
    requestPolicy: 'cache-and-network',
  });

  useEffect(() => {
    if (viewer === null) askToSignIn();
  }, [viewer, askToSignIn]);

  const me = data?.me;
  const groups = useMemo(() => {
    const byEvent = new Map<string, { event: Ticket['event']; tickets: Ticket[] }>();
    for (const ticket of me?.tickets ?? []) {
      const group = byEvent.get(ticket.event.id) ?? { event: ticket.event, tickets: [] };
      group.tickets.push(ticket);
      byEvent.set(ticket.event.id, group);
    }
    return [...byEvent.values()].sort((a, b) => a.event.startsAt.localeCompare(b.event.startsAt));
  }, [me]);
  const orders = useMemo(
    () => [...(me?.orders ?? [])].sort((a, b) => b.createdAt.localeCompare(a.createdAt)),
    [me],
  );

  if (!viewer || (!me && fetching)) return <Loading label="Loading your tickets…" />;
  return (
    <>
      <section className="hero">
        <h1>My tickets</h1>
        <p className="muted">
          Signed in as {viewer.name}
          {viewer.email ? ` (${viewer.email})` : ''}. Show a ticket's QR code at the door.
        </p>
      </section>
      <ErrorNotice error={error} onRetry={() => reexecute({ requestPolicy: 'network-only' })} />

      {me && groups.length === 0 && (
        <section className="empty-state">
          <h2>No tickets yet</h2>
          <p>When you buy tickets they appear here, with a QR code for the door.</p>
          <Link className="button" to="/">
            Find an event
          </Link>
        </section>
      )}

      {groups.map(({ event, tickets }) => (
        <section key={event.id} className="ticket-group card" aria-labelledby={`event-${event.id}`}>
          <header className="ticket-group-head">
            <h2 id={`event-${event.id}`}>
              <Link to={`/events/${event.id}`}>{event.title}</Link>
            </h2>
            <p className="muted">
              <time dateTime={event.startsAt}>
                {formatEventTimeLine(event.startsAt, event.timeZone)}
              </time>{' '}
              · {event.venue}, {event.city} · {plural(tickets.length, 'ticket')}
            </p>
          </header>
          <ul className="ticket-grid" aria-label={`Tickets for ${event.title}`}>
            {tickets.map((ticket, i) => (
              <li
                key={ticket.id}
                className={`ticket ticket-${ticket.status.toLowerCase()}`}
                data-testid="ticket"
              >
                {ticket.status === 'CANCELLED' ? (
                  // A void ticket admits no one: no code to show at the door.
                  <p className="ticket-void" aria-label={`Ticket ${i + 1} is void`}>
                    VOID
                  </p>
                ) : (
                  <QrCode
                    value={ticket.code}
                    label={`QR code for ticket ${i + 1}, ${ticket.tier.name}, ${event.title}`}
                  />
                )}
                <div className="ticket-info">
                  <p className="ticket-tier">{ticket.tier.name}</p>
                  <p className="muted">{formatMoney(ticket.tier.priceCents, event.currency)}</p>
                  <StatusBadge status={ticket.status} />
                  <p className="ticket-code" title={ticket.code}>
                    #{ticket.id.slice(0, 8).toUpperCase()}
                  </p>
                </div>
              </li>
            ))}
          </ul>
        </section>
      ))}

      {orders.length > 0 && (
        <section className="card orders" aria-labelledby="orders-heading">
          <h2 id="orders-heading">Orders</h2>
          <ScrollRegion label="Orders table">
            <table className="table">
              <thead>
                <tr>
                  <th scope="col">Order</th>
                  <th scope="col">Event</th>
                  <th scope="col">Date</th>
                  <th scope="col">Tickets</th>
                  <th scope="col">Total</th>
                  <th scope="col">Status</th>
                  <th scope="col">
                    <span className="visually-hidden">Download</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {orders.map((order) => (
                  <tr key={order.id}>
                    <td data-label="Order">
                      <Link to={`/orders/${order.id}`}>{order.number}</Link>
                    </td>
                    <td data-label="Event">
                      <Link to={`/events/${order.event.id}`}>{order.event.title}</Link>
                      {order.event.status === 'CANCELLED' && (
                        <span className="muted"> (event cancelled)</span>
                      )}
                    </td>
                    <td data-label="Date">{formatDate(order.createdAt)}</td>
                    <td data-label="Tickets">
                      {order.quantity} × {order.tier.name}
                    </td>
                    <td data-label="Total">
                      {formatMoney(order.totalCents, order.event.currency)}
                    </td>
                    <td data-label="Status">
                      <StatusBadge status={order.status} />
                    </td>
                    <td>
                      {/* A cancelled order's tickets are void: there is nothing to print. */}
                      {order.status !== 'CANCELLED' && <OrderPdfButton orderId={order.id} />}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </ScrollRegion>
        </section>
      )}
    </>
  );
}
