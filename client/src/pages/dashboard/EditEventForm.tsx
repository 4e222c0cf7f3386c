import { useState, type FormEvent } from 'react';
import { useMutation } from 'urql';
import { ErrorNotice } from '../../components/common';
import { isoToZonedLocal, zonedToIso } from '../../lib/format';
import { EventFields, type EventFormValues } from './EventFields';
import { UpdateEventDocument, type OrganizedEvent } from './operations';

const valuesOf = (event: OrganizedEvent): EventFormValues => ({
  title: event.title,
  description: event.description,
  category: event.category,
  venue: event.venue,
  city: event.city,
  startsAt: isoToZonedLocal(event.startsAt, event.timeZone),
  timeZone: event.timeZone,
  currency: event.currency,
  address: event.address ?? '',
});

/**
 * Every field of an event, with the same rules as creating it. Only what changed is sent, so
 * fixing the title of an event whose start has passed is not refused for its start.
 */
export function EditEventForm({ event, onDone }: { event: OrganizedEvent; onDone: () => void }) {
  const [{ fetching, error }, update] = useMutation(UpdateEventDocument);
  const initial = valuesOf(event);
  const [form, setForm] = useState<EventFormValues>(initial);
  const set = (key: keyof EventFormValues) => (e: { target: { value: string } }) =>
    setForm((f) => ({ ...f, [key]: e.target.value }));

  const onSubmit = async (e: FormEvent) => {
    e.preventDefault();
    const input: Record<string, string> = {};
    for (const key of ['title', 'description', 'category', 'venue', 'city', 'address'] as const)
      if (form[key].trim() !== initial[key].trim()) input[key] = form[key].trim();
    if (form.timeZone !== initial.timeZone) input.timeZone = form.timeZone;
    if (form.currency !== initial.currency) input.currency = form.currency;
    // A new zone moves the instant too: the wall-clock time stays what the organizer typed.
    if (form.startsAt !== initial.startsAt || form.timeZone !== initial.timeZone)
      input.startsAt = zonedToIso(form.startsAt, form.timeZone);
    if (Object.keys(input).length === 0) return onDone();
    const result = await update({ id: event.id, input });
    if (result.data) onDone();
  };

  return (
    <form className="card form" onSubmit={onSubmit} aria-labelledby="edit-heading">
      <h3 id="edit-heading">Edit event details</h3>
      {event.status === 'ON_SALE' && (
        <p className="muted">
          Ticket holders are told when the start or the venue of a published event changes.
        </p>
      )}
      <EventFields form={form} onChange={set} currencyLocked={event.status !== 'DRAFT'} />
      <ErrorNotice error={error} />
      <div className="actions">
        <button type="submit" className="button button-primary" disabled={fetching}>
          {fetching ? 'Saving…' : 'Save changes'}
        </button>
        <button type="button" className="button button-ghost" onClick={onDone}>
          Discard
        </button>
      </div>
    </form>
  );
}
