import { useEffect, useRef, useState } from 'react';
import { Link, useNavigate, useParams } from 'react-router';
import { useMutation, useQuery } from 'urql';
import { graphql } from '../gql';
import { ErrorNotice, Loading, useSignInRedirect, useTitle } from '../components/common';
import { formatCountdown, formatDateTime } from '../lib/format';
import { useSession } from '../session/session';
import { useQueueTicket } from '../session/queue';
// Where the event page keeps the fan's choice of tier, so admission comes back to it.
import { choiceKey, useNow } from '../components/buy/purchase';

const WaitingRoomEventDocument = graphql(`
  query WaitingRoomEvent($id: ID!) {
    event(id: $id) {
      id
      title
      tiers {
        id
        name
        available
      }
      waitingRoom {
        enabled
        phase
        saleStartsAt
      }
    }
  }
`);

const JoinWaitingRoomDocument = graphql(`
  mutation JoinWaitingRoom($eventId: ID!) {
    joinWaitingRoom(eventId: $eventId) {
      id
      eventId
      status
      position
      estimatedWaitSeconds
      admittedUntil
    }
  }
`);

/**
 * The event's waiting room: the fan's place, the estimated wait and a progress bar, all live
 * (queueTicketUpdated). Admission takes them back to the event page, to the tier they chose.
 */
export function WaitingRoomPage() {
  const { id = '' } = useParams();
  const navigate = useNavigate();
  const { viewer } = useSession();
  const askToSignIn = useSignInRedirect();
  const [{ data, fetching }] = useQuery({ query: WaitingRoomEventDocument, variables: { id } });
  const [joined, join] = useMutation(JoinWaitingRoomDocument);
  const event = data?.event;
  useTitle(event ? `Waiting room · ${event.title}` : 'Waiting room');

  useEffect(() => {
    if (viewer && event?.waitingRoom?.enabled) void join({ eventId: id });
  }, [viewer, event?.waitingRoom?.enabled, id, join]);
  const live = useQueueTicket(joined.data?.joinWaitingRoom.id);
  const ticket = live ?? joined.data?.joinWaitingRoom;
  // Before the draw the page follows the clock: at the start it says the places are being drawn
  // (the draw waits for fans whose joins are still on their way, seconds in a big on-sale).
  const unplaced = ticket?.status === 'WAITING' && ticket.position === null;
  const now = useNow(unplaced, 1_000);
  const saleStartsAt = event?.waitingRoom?.saleStartsAt;
  const drawing = unplaced && !!saleStartsAt && new Date(saleStartsAt).getTime() <= now;

  // The first position seen is the bar's start: it fills as the fans ahead go in.
  const first = useRef<number | null>(null);
  if (ticket?.position && (first.current === null || ticket.position > first.current))
    first.current = ticket.position;
  const progress =
    ticket?.status === 'ADMITTED'
      ? 1
      : ticket?.position && first.current
        ? (first.current - ticket.position + 1) / first.current
        : 0;

  const [tierId, setTierId] = useState<string | undefined>(() => {
    try {
      return (JSON.parse(sessionStorage.getItem(choiceKey(id)) ?? '{}') as { tierId?: string })
        .tierId;
    } catch {
      return undefined;
    }
  });
  useEffect(() => {
    if (tierId) sessionStorage.setItem(choiceKey(id), JSON.stringify({ tierId, quantity: 1 }));
  }, [id, tierId]);

  useEffect(() => {
    if (ticket?.status === 'ADMITTED') navigate(`/events/${id}#tickets`, { replace: true });
  }, [ticket?.status, id, navigate]);

  if (!event) return fetching ? <Loading label="Loading…" /> : <p>Event not found.</p>;
  if (!event.waitingRoom?.enabled)
    return (
      <section className="card">
        <h1>{event.title}</h1>
        <p>This sale has no waiting room.</p>
        <Link className="button button-primary" to={`/events/${id}`}>
          Get tickets
        </Link>
      </section>
    );
  return (
    <section className="card waiting-room" aria-labelledby="waiting-room-title">
      <h1 id="waiting-room-title">Waiting room · {event.title}</h1>
      {!viewer ? (
        <>
          <p>Sign in to take your place in the waiting room.</p>
          <button type="button" className="button button-primary" onClick={askToSignIn}>
            Sign in
          </button>
        </>
      ) : !ticket ? (
        joined.error ? (
          <ErrorNotice error={joined.error} onRetry={() => void join({ eventId: id })} />
        ) : (
          <Loading label="Taking your place…" />
        )
      ) : (
        <div aria-live="polite" role="status">
          {drawing && (
            <p className="queue-position">
              The sale has started: everyone who was here by then is being given a random place.
              Yours will show here in a moment.
            </p>
          )}
          {unplaced && !drawing && (
            <p className="queue-position">
              You're in. When the sale starts
              {event.waitingRoom.saleStartsAt
                ? ` (${formatDateTime(event.waitingRoom.saleStartsAt)})`
                : ''}
              , everyone here gets a random place: arriving early or refreshing changes nothing.
            </p>
          )}
          {ticket.status === 'WAITING' && ticket.position !== null && (
            <p className="queue-position">
              Your place in line: <strong data-testid="queue-position">{ticket.position}</strong>
            </p>
          )}
          {ticket.status === 'WAITING' && ticket.estimatedWaitSeconds !== null && (
            <p className="muted">
              Estimated wait: {formatCountdown(ticket.estimatedWaitSeconds * 1000)}
            </p>
          )}
          {ticket.status === 'ADMITTED' && <p>It's your turn! Taking you to the tickets…</p>}
          {ticket.status === 'CLOSED' && (
            <p role="alert">
              Sold out: every ticket is gone. If some come back, you keep your place here.
            </p>
          )}
          {ticket.status === 'EXPIRED' && (
            <>
              <p role="alert">Your turn ended before you bought.</p>
              <button type="button" className="button" onClick={() => void join({ eventId: id })}>
                Join the line again
              </button>
            </>
          )}
          <progress className="queue-progress" max={1} value={progress} aria-label="Progress" />
        </div>
      )}
      {(event.tiers?.length ?? 0) > 1 && (
        <fieldset className="tier-list">
          <legend>Which tickets do you want? We'll take you straight to them.</legend>
          {event.tiers!.map((t) => (
            <label key={t.id} className={`tier-option${t.id === tierId ? ' selected' : ''}`}>
              <input
                type="radio"
                name={`queue-tier-${id}`}
                value={t.id}
                checked={t.id === tierId}
                onChange={() => setTierId(t.id)}
              />
              <span className="tier-name">{t.name}</span>
            </label>
          ))}
        </fieldset>
      )}
    </section>
  );
}
