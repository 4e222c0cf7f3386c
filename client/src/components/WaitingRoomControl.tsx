import { useEffect, useId, useState } from 'react';
import { useMutation, useQuery } from 'urql';
import { graphql } from '../gql';
import { formatDateTime, zonedToIso } from '../lib/format';
import { ErrorNotice } from './common';

const WaitingRoomStatsDocument = graphql(`
  query WaitingRoomStats($id: ID!) {
    event(id: $id) {
      id
      waitingRoom {
        enabled
        opensAt
        saleStartsAt
        phase
        waiting
        admitted
        admittedPerMinute
        purchasesPerMinute
      }
    }
  }
`);

const SetWaitingRoomDocument = graphql(`
  mutation SetWaitingRoom($eventId: ID!, $input: WaitingRoomInput!) {
    setWaitingRoom(eventId: $eventId, input: $input) {
      id
      waitingRoom {
        enabled
        opensAt
        phase
      }
    }
  }
`);

const STATS_POLL_MS = 2_000;

/**
 * The organizer's switch for an event's waiting room, its opening time (in the venue's zone),
 * and live numbers: how many wait, how many are admitted, how fast they buy.
 */
export function WaitingRoomControl({ eventId, timeZone }: { eventId: string; timeZone: string }) {
  const [{ data }, refresh] = useQuery({
    query: WaitingRoomStatsDocument,
    variables: { id: eventId },
    requestPolicy: 'cache-and-network',
  });
  const [setting, setRoom] = useMutation(SetWaitingRoomDocument);
  const room = data?.event?.waitingRoom;
  const [opensAt, setOpensAt] = useState('');
  const ids = { opensAt: useId(), title: useId() };
  useEffect(() => {
    if (!room?.enabled) return;
    const timer = setInterval(() => {
      if (document.visibilityState === 'visible') refresh({ requestPolicy: 'network-only' });
    }, STATS_POLL_MS);
    return () => clearInterval(timer);
  }, [room?.enabled, refresh]);

  const save = (enabled: boolean) =>
    void setRoom({
      eventId,
      input: {
        enabled,
        opensAt: opensAt ? zonedToIso(opensAt, timeZone) : (room?.opensAt ?? null),
      },
    }).then(() => refresh({ requestPolicy: 'network-only' }));

  return (
    <section className="card waiting-room-control" aria-labelledby={ids.title}>
      <h3 id={ids.title}>Waiting room</h3>
      <p className="muted">
        For a big on-sale: fans who arrive before the sale starts get a random place, then they are
        let in as those ahead of them buy.
      </p>
      <div className="field">
        <label htmlFor={ids.opensAt}>Opens at (venue time, optional)</label>
        <input
          id={ids.opensAt}
          type="datetime-local"
          value={opensAt}
          onChange={(e) => setOpensAt(e.target.value)}
        />
        {room?.opensAt && <small className="hint">Now: {formatDateTime(room.opensAt)}</small>}
      </div>
      <div className="actions">
        <button
          type="button"
          className="button button-primary button-small"
          disabled={setting.fetching}
          onClick={() => save(!room?.enabled)}
        >
          {room?.enabled ? 'Switch the waiting room off' : 'Switch the waiting room on'}
        </button>
        {room?.enabled && (
          <button
            type="button"
            className="button button-ghost button-small"
            disabled={setting.fetching}
            onClick={() => save(true)}
          >
            Save opening time
          </button>
        )}
      </div>
      <ErrorNotice error={setting.error} />
      {room?.enabled && (
        <dl className="waiting-room-stats" aria-live="polite" data-testid="waiting-room-stats">
          <div>
            <dt>Status</dt>
            <dd>{room.phase.replace(/_/g, ' ').toLowerCase()}</dd>
          </div>
          {room.saleStartsAt && (
            <div>
              <dt>Sale starts</dt>
              <dd>{formatDateTime(room.saleStartsAt)}</dd>
            </div>
          )}
          <div>
            <dt>Waiting</dt>
            <dd>{room.waiting}</dd>
          </div>
          <div>
            <dt>Admitted, buying</dt>
            <dd>{room.admitted}</dd>
          </div>
          <div>
            <dt>Let in per minute</dt>
            <dd>{room.admittedPerMinute}</dd>
          </div>
          <div>
            <dt>Orders per minute</dt>
            <dd>{room.purchasesPerMinute}</dd>
          </div>
        </dl>
      )}
    </section>
  );
}
