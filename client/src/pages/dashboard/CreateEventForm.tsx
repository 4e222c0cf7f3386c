import { useState, type FormEvent } from 'react';
import { Link, useNavigate } from 'react-router';
import { useMutation } from 'urql';
import { ErrorNotice } from '../../components/common';
import { visitorTimeZone, zonedToIso } from '../../lib/format';
import { EventFields, type EventFormValues } from './EventFields';
import { CreateEventDocument } from './operations';

export function CreateEventForm({ onCreated }: { onCreated: () => void }) {
  const navigate = useNavigate();
  const [{ fetching, error }, create] = useMutation(CreateEventDocument);
  const [form, setForm] = useState<EventFormValues>({
    title: '',
    description: '',
    category: '',
    venue: '',
    city: '',
    startsAt: '',
    // The venue's zone: the organizer's own until they say otherwise.
    timeZone: visitorTimeZone(),
    currency: 'EUR',
    address: '',
  });
  const set = (key: keyof EventFormValues) => (e: { target: { value: string } }) =>
    setForm((f) => ({ ...f, [key]: e.target.value }));

  const onSubmit = async (event: FormEvent) => {
    event.preventDefault();
    const result = await create({
      input: {
        title: form.title.trim(),
        description: form.description.trim(),
        category: form.category.trim(),
        venue: form.venue.trim(),
        city: form.city.trim(),
        // `datetime-local` has no zone: it is the time on the venue's clock.
        startsAt: zonedToIso(form.startsAt, form.timeZone),
        timeZone: form.timeZone,
        currency: form.currency,
        address: form.address.trim() || null,
      },
    });
    if (result.data) {
      onCreated();
      navigate(`/dashboard/events/${result.data.createEvent.id}`);
    }
  };

  return (
    <form className="card form" onSubmit={onSubmit} aria-labelledby="create-heading">
      <h2 id="create-heading">New event</h2>
      <p className="muted">It starts as a draft: add ticket tiers, then publish it.</p>
      <EventFields form={form} onChange={set} />
      <ErrorNotice error={error} />
      <div className="actions">
        <button type="submit" className="button button-primary" disabled={fetching}>
          {fetching ? 'Creating…' : 'Create draft'}
        </button>
        <Link to="/dashboard" className="button button-ghost">
          Cancel
        </Link>
      </div>
    </form>
  );
}
