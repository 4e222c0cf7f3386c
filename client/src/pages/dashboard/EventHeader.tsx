import { useState } from 'react';
import { Link, useNavigate } from 'react-router';
import { useMutation } from 'urql';
import { ErrorNotice, StatusBadge } from '../../components/common';
import { formatEventTimeLine } from '../../lib/format';
import { EditEventForm } from './EditEventForm';
import {
  CancelEventDocument,
  DeleteEventDocument,
  PublishEventDocument,
  type OrganizedEvent,
} from './operations';

/** The event's card at the top of its panel: what it is, and what its organizer can do to it. */
export function EventHeader({
  event,
  tierCount,
  onDeleted,
}: {
  event: OrganizedEvent;
  tierCount: number;
  onDeleted: () => void;
}) {
  const navigate = useNavigate();
  const [publishing, publish] = useMutation(PublishEventDocument);
  const [cancelling, cancel] = useMutation(CancelEventDocument);
  const [deleting, remove] = useMutation(DeleteEventDocument);
  const [confirm, setConfirm] = useState<'cancel' | 'delete' | null>(null);
  const [editing, setEditing] = useState(false);

  const onDelete = async () => {
    const result = await remove({ id: event.id });
    if (result.data?.deleteEvent) {
      onDeleted();
      navigate('/dashboard');
    }
  };

  return (
    <>
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
          {event.status !== 'CANCELLED' && !editing && (
            <button
              type="button"
              className="button button-ghost button-small"
              onClick={() => setEditing(true)}
            >
              Edit details
            </button>
          )}
          {event.status === 'DRAFT' && (
            <button
              type="button"
              className="button button-primary button-small"
              disabled={publishing.fetching || tierCount === 0}
              onClick={() => void publish({ id: event.id })}
            >
              {publishing.fetching ? 'Publishing…' : 'Publish'}
            </button>
          )}
          {confirm === 'cancel' ? (
            <span className="confirm" role="group" aria-label="Confirm cancellation">
              <span>Cancel this event and all its orders?</span>
              <button
                type="button"
                className="button button-danger button-small"
                disabled={cancelling.fetching}
                onClick={() => void cancel({ id: event.id }).then(() => setConfirm(null))}
              >
                {cancelling.fetching ? 'Cancelling…' : 'Yes, cancel event'}
              </button>
              <button
                type="button"
                className="button button-ghost button-small"
                onClick={() => setConfirm(null)}
              >
                Keep it
              </button>
            </span>
          ) : confirm === 'delete' ? (
            <span className="confirm" role="group" aria-label="Confirm deletion">
              <span>Delete this draft and its tiers for good?</span>
              <button
                type="button"
                className="button button-danger button-small"
                disabled={deleting.fetching}
                onClick={() => void onDelete()}
              >
                {deleting.fetching ? 'Deleting…' : 'Yes, delete draft'}
              </button>
              <button
                type="button"
                className="button button-ghost button-small"
                onClick={() => setConfirm(null)}
              >
                Keep it
              </button>
            </span>
          ) : event.status === 'DRAFT' ? (
            <button
              type="button"
              className="button button-ghost button-small"
              onClick={() => setConfirm('delete')}
            >
              Delete draft
            </button>
          ) : (
            event.status !== 'CANCELLED' && (
              <button
                type="button"
                className="button button-ghost button-small"
                onClick={() => setConfirm('cancel')}
              >
                Cancel event
              </button>
            )
          )}
        </div>
        {event.status === 'DRAFT' && tierCount === 0 && (
          <p className="hint">Add at least one ticket tier before publishing.</p>
        )}
        <ErrorNotice error={publishing.error ?? cancelling.error ?? deleting.error} />
      </header>
      {editing && <EditEventForm event={event} onDone={() => setEditing(false)} />}
    </>
  );
}
