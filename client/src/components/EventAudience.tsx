import { Link } from 'react-router';
import { AttendeesPanel } from './AttendeesPanel';
import { CheckInCounts } from './CheckInCounts';

/** The dashboard's part for a published event's audience: the door, its counts, the attendees. */
export function EventAudience({ eventId, title }: { eventId: string; title: string }) {
  return (
    <>
      <section className="card" aria-labelledby="door-heading">
        <h3 id="door-heading">Door</h3>
        <CheckInCounts eventId={eventId} />
        <Link className="button button-small" to={`/door/${eventId}`}>
          Open the door page
        </Link>
      </section>
      <AttendeesPanel eventId={eventId} title={title} />
    </>
  );
}
