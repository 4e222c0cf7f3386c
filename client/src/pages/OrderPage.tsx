import { useEffect, useState } from 'react';
import { Link, useParams } from 'react-router';
import { useQuery } from 'urql';
import { graphql } from '../gql';
import {
  ErrorNotice,
  Loading,
  Notice,
  StatusBadge,
  useSignInRedirect,
  useTitle,
} from '../components/common';
import { QrCode } from '../components/QrCode';
import { OrderPdfButton } from '../components/OrderPdfButton';
import { formatDateTime, formatMoney, plural } from '../lib/format';
import { useSession } from '../session/session';
import { EventTime, calendarHref } from './EventPage';

const OrderPageDocument = graphql(`
  query OrderPage($id: ID!) {
    order(id: $id) {
      id
      number
      status
      quantity
      totalCents
      createdAt
      event {
        id
        title
        venue
        address
        city
        startsAt
        timeZone
        currency
        status
        icalendar
      }
      tier {
        id
        name
        priceCents
      }
      tickets {
        id
        code
        status
      }
    }
  }
`);

/** An order's confirmation: what was bought, for which show, where and when, and its tickets. */
export function OrderPage() {
  const { id = '' } = useParams();
  const { viewer } = useSession();
  const askToSignIn = useSignInRedirect();
  const [{ data, error, fetching }, reexecute] = useQuery({
    query: OrderPageDocument,
    variables: { id },
    pause: !viewer,
  });
  const order = data?.order;
  useTitle(order ? `Order ${order.number}` : 'Your order');
  useEffect(() => {
    if (viewer === null) askToSignIn();
  }, [viewer, askToSignIn]);

  if (!viewer || (!order && fetching)) return <Loading label="Loading your order…" />;
  if (!order)
    return (
      <section className="empty-state">
        <h1>Order not found</h1>
        <ErrorNotice error={error} onRetry={() => reexecute({ requestPolicy: 'network-only' })} />
        <Link className="button" to="/profile">
          My tickets
        </Link>
      </section>
    );

  const { event, tier } = order;
  const money = (cents: number) => formatMoney(cents, event.currency);
  const cancelled = order.status === 'CANCELLED' || event.status === 'CANCELLED';
  return (
    <article className="order-page">
      <section className="hero">
        <h1>{cancelled ? 'Order cancelled' : "You're going!"}</h1>
        <p className="muted">
          Order <strong className="order-number">{order.number}</strong> · placed{' '}
          {formatDateTime(order.createdAt)}
        </p>
      </section>
      {cancelled && (
        <Notice kind="warning">
          This event was cancelled: the order is cancelled and its tickets are void.
        </Notice>
      )}
      <section className="card order-summary" aria-labelledby="order-event">
        <h2 id="order-event">
          <Link to={`/events/${event.id}`}>{event.title}</Link>
        </h2>
        <dl className="event-facts">
          <div>
            <dt>When</dt>
            <dd>
              <EventTime startsAt={event.startsAt} timeZone={event.timeZone} />
            </dd>
          </div>
          <div>
            <dt>Where</dt>
            <dd>
              {event.venue}, {event.address ? `${event.address}, ` : ''}
              {event.city}
            </dd>
          </div>
        </dl>
        <table className="table price-breakdown">
          <caption className="visually-hidden">Price breakdown</caption>
          <tbody>
            <tr>
              <th scope="row">
                {plural(order.quantity, 'ticket')} · {tier.name}
              </th>
              <td>
                {order.quantity} × {money(tier.priceCents)}
              </td>
            </tr>
            <tr>
              <th scope="row">Total paid</th>
              <td>
                <strong>{money(order.totalCents)}</strong>
              </td>
            </tr>
          </tbody>
        </table>
        <div className="actions">
          {!cancelled && (
            <a
              className="button"
              href={calendarHref(event.icalendar)}
              download={`${event.title.replace(/[^\w-]+/g, '-')}.ics`}
            >
              Add to calendar
            </a>
          )}
          <ShareLink eventId={event.id} title={event.title} />
          {!cancelled && <OrderPdfButton orderId={order.id} />}
        </div>
      </section>
      <section className="card" aria-labelledby="order-tickets">
        <h2 id="order-tickets">Tickets</h2>
        <ul className="ticket-grid">
          {order.tickets.map((ticket, i) => (
            <li
              key={ticket.id}
              className={`ticket ticket-${ticket.status.toLowerCase()}`}
              data-testid="ticket"
            >
              {ticket.status === 'CANCELLED' ? (
                <p className="ticket-void">VOID</p>
              ) : (
                <QrCode
                  value={ticket.code}
                  label={`QR code for ticket ${i + 1}, ${tier.name}, ${event.title}`}
                />
              )}
              <div className="ticket-info">
                <p className="ticket-tier">{tier.name}</p>
                <StatusBadge status={ticket.status} />
              </div>
            </li>
          ))}
        </ul>
      </section>
    </article>
  );
}

/** The event's address to send a friend: the system share sheet where there is one, else copied. */
function ShareLink({ eventId, title }: { eventId: string; title: string }) {
  const [copied, setCopied] = useState(false);
  const url = `${window.location.origin}/events/${eventId}`;
  const onShare = async () => {
    if (typeof navigator.share === 'function') {
      await navigator.share({ title, url }).catch(() => undefined);
      return;
    }
    await navigator.clipboard?.writeText(url).catch(() => undefined);
    setCopied(true);
  };
  return (
    <button type="button" className="button button-ghost" onClick={onShare} data-share-url={url}>
      {copied ? 'Link copied' : 'Share'}
    </button>
  );
}
