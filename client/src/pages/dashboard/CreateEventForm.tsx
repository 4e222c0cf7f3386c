import { useId, useState, type FormEvent } from 'react';
import { Link, useNavigate } from 'react-router';
import { useMutation } from 'urql';
import { ErrorNotice } from '../../components/common';
import { visitorTimeZone, zonedToIso } from '../../lib/format';
import { CreateEventDocument } from './operations';

const TIME_ZONES = Intl.supportedValuesOf('timeZone');
const CURRENCIES = ['EUR', 'USD', 'GBP', 'CHF', 'SEK', 'NOK', 'DKK', 'PLN', 'CZK', 'CAD', 'AUD'];

export function CreateEventForm({ onCreated }: { onCreated: () => void }) {
  const navigate = useNavigate();
  const [{ fetching, error }, create] = useMutation(CreateEventDocument);
  const [form, setForm] = useState({
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
  const ids = {
    title: useId(),
    description: useId(),
    category: useId(),
    venue: useId(),
    city: useId(),
    startsAt: useId(),
    startsHint: useId(),
    timeZone: useId(),
    currency: useId(),
    address: useId(),
  };
  const set = (key: keyof typeof form) => (e: { target: { value: string } }) =>
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
      <div className="field">
        <label htmlFor={ids.title}>Title</label>
        <input id={ids.title} required maxLength={200} value={form.title} onChange={set('title')} />
      </div>
      <div className="field">
        <label htmlFor={ids.description}>Description</label>
        <textarea
          id={ids.description}
          rows={4}
          value={form.description}
          onChange={set('description')}
        />
      </div>
      <div className="form-grid">
        <div className="field">
          <label htmlFor={ids.category}>Category</label>
          <input
            id={ids.category}
            required
            list="category-options"
            value={form.category}
            onChange={set('category')}
          />
          <datalist id="category-options">
            {['Music', 'Festival', 'Sports', 'Theatre', 'Comedy', 'Conference'].map((c) => (
              <option key={c} value={c} />
            ))}
          </datalist>
        </div>
        <div className="field">
          <label htmlFor={ids.startsAt}>Starts at</label>
          <input
            id={ids.startsAt}
            type="datetime-local"
            required
            value={form.startsAt}
            onChange={set('startsAt')}
            aria-describedby={ids.startsHint}
          />
          <small id={ids.startsHint} className="hint">
            On the clock of the venue (its time zone below).
          </small>
        </div>
        <div className="field">
          <label htmlFor={ids.venue}>Venue</label>
          <input id={ids.venue} required value={form.venue} onChange={set('venue')} />
        </div>
        <div className="field">
          <label htmlFor={ids.city}>City</label>
          <input id={ids.city} required value={form.city} onChange={set('city')} />
        </div>
        <div className="field">
          <label htmlFor={ids.timeZone}>Time zone</label>
          <select id={ids.timeZone} value={form.timeZone} onChange={set('timeZone')}>
            {(TIME_ZONES.includes(form.timeZone) ? TIME_ZONES : [form.timeZone, ...TIME_ZONES]).map(
              (zone) => (
                <option key={zone} value={zone}>
                  {zone.replace(/_/g, ' ')}
                </option>
              ),
            )}
          </select>
        </div>
        <div className="field">
          <label htmlFor={ids.currency}>Currency</label>
          <select id={ids.currency} value={form.currency} onChange={set('currency')}>
            {CURRENCIES.map((code) => (
              <option key={code} value={code}>
                {code}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor={ids.address}>Street address (optional)</label>
          <input id={ids.address} maxLength={200} value={form.address} onChange={set('address')} />
        </div>
      </div>
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
