import { useId } from 'react';

// The fields of an event, shared by the create and edit forms (the same rules as the API's).

const TIME_ZONES = Intl.supportedValuesOf('timeZone');
const CURRENCIES = ['EUR', 'USD', 'GBP', 'CHF', 'SEK', 'NOK', 'DKK', 'PLN', 'CZK', 'CAD', 'AUD'];

export interface EventFormValues {
  title: string;
  description: string;
  category: string;
  venue: string;
  city: string;
  /** A `datetime-local` value on the venue's clock. */
  startsAt: string;
  timeZone: string;
  currency: string;
  address: string;
}

export function EventFields({
  form,
  onChange,
  currencyLocked = false,
}: {
  form: EventFormValues;
  onChange: (key: keyof EventFormValues) => (e: { target: { value: string } }) => void;
  currencyLocked?: boolean;
}) {
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
    currencyHint: useId(),
    address: useId(),
  };
  return (
    <>
      <div className="field">
        <label htmlFor={ids.title}>Title</label>
        <input
          id={ids.title}
          required
          maxLength={200}
          value={form.title}
          onChange={onChange('title')}
        />
      </div>
      <div className="field">
        <label htmlFor={ids.description}>Description</label>
        <textarea
          id={ids.description}
          rows={4}
          value={form.description}
          onChange={onChange('description')}
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
            onChange={onChange('category')}
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
            onChange={onChange('startsAt')}
            aria-describedby={ids.startsHint}
          />
          <small id={ids.startsHint} className="hint">
            On the clock of the venue (its time zone below).
          </small>
        </div>
        <div className="field">
          <label htmlFor={ids.venue}>Venue</label>
          <input id={ids.venue} required value={form.venue} onChange={onChange('venue')} />
        </div>
        <div className="field">
          <label htmlFor={ids.city}>City</label>
          <input id={ids.city} required value={form.city} onChange={onChange('city')} />
        </div>
        <div className="field">
          <label htmlFor={ids.timeZone}>Time zone</label>
          <select id={ids.timeZone} value={form.timeZone} onChange={onChange('timeZone')}>
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
          <select
            id={ids.currency}
            value={form.currency}
            onChange={onChange('currency')}
            disabled={currencyLocked}
            aria-describedby={currencyLocked ? ids.currencyHint : undefined}
          >
            {CURRENCIES.map((code) => (
              <option key={code} value={code}>
                {code}
              </option>
            ))}
          </select>
          {currencyLocked && (
            <small id={ids.currencyHint} className="hint">
              Fixed once published: its tickets are priced in it.
            </small>
          )}
        </div>
        <div className="field">
          <label htmlFor={ids.address}>Street address (optional)</label>
          <input
            id={ids.address}
            maxLength={200}
            value={form.address}
            onChange={onChange('address')}
          />
        </div>
      </div>
    </>
  );
}
