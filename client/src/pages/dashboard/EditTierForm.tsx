import { useId, useState, type FormEvent } from 'react';
import { useMutation } from 'urql';
import { ErrorNotice } from '../../components/common';
import { firstError } from '../../lib/errors';
import { formatMoney } from '../../lib/format';
import { UpdateTierDocument, type OrganizedEvent } from './operations';

type Tier = NonNullable<OrganizedEvent['tiers']>[number];

/**
 * Edits one tier: name, description, capacity, and its price until the first sale or hold.
 * A refusal (CONFLICT) is shown with the numbers the API gives and, for a capacity below
 * what is sold and held, a way to take the lowest one allowed.
 */
export function EditTierForm({
  tier,
  currency,
  onDone,
}: {
  tier: Tier;
  currency: string;
  onDone: () => void;
}) {
  const [{ fetching, error }, update] = useMutation(UpdateTierDocument);
  const [name, setName] = useState(tier.name);
  const [description, setDescription] = useState(tier.description ?? '');
  const [price, setPrice] = useState((tier.priceCents / 100).toFixed(2));
  const [capacity, setCapacity] = useState(String(tier.capacity));
  const ids = {
    name: useId(),
    description: useId(),
    price: useId(),
    priceHint: useId(),
    capacity: useId(),
  };
  // Sold or held: what the tier's buyers pay is fixed (the API says CONFLICT otherwise).
  const taken = tier.capacity - tier.available;
  const ext = firstError(error)?.extensions ?? {};
  const minimum =
    ext.reason === 'BELOW_SOLD_AND_HELD' && typeof ext.minimum === 'number'
      ? ext.minimum
      : undefined;

  const onSubmit = async (e: FormEvent) => {
    e.preventDefault();
    const priceCents = Math.round(Number(price) * 100);
    const result = await update({
      id: tier.id,
      input: {
        name: name.trim(),
        description: description.trim(),
        capacity: Math.floor(Number(capacity)),
        ...(priceCents !== tier.priceCents ? { priceCents } : {}),
      },
    });
    if (result.data) onDone();
  };

  return (
    <form className="card form" onSubmit={onSubmit} aria-labelledby={`${ids.name}-heading`}>
      <h3 id={`${ids.name}-heading`}>Edit “{tier.name}”</h3>
      <div className="form-grid form-grid-3">
        <div className="field">
          <label htmlFor={ids.name}>Tier name</label>
          <input
            id={ids.name}
            required
            maxLength={80}
            value={name}
            onChange={(e) => setName(e.target.value)}
          />
        </div>
        <div className="field">
          <label htmlFor={ids.price}>Price ({currency})</label>
          <input
            id={ids.price}
            type="number"
            required
            min={0}
            step="0.01"
            inputMode="decimal"
            value={price}
            disabled={taken > 0}
            aria-describedby={ids.priceHint}
            onChange={(e) => setPrice(e.target.value)}
          />
          <small id={ids.priceHint} className="hint">
            {taken > 0
              ? `Fixed at ${formatMoney(tier.priceCents, currency)}: tickets were sold or held at it.`
              : 'Can change until the first sale.'}
          </small>
        </div>
        <div className="field">
          <label htmlFor={ids.capacity}>Capacity</label>
          <input
            id={ids.capacity}
            type="number"
            required
            min={1}
            step={1}
            inputMode="numeric"
            value={capacity}
            onChange={(e) => setCapacity(e.target.value)}
          />
        </div>
      </div>
      <div className="field">
        <label htmlFor={ids.description}>Description (optional)</label>
        <textarea
          id={ids.description}
          rows={2}
          maxLength={1000}
          value={description}
          onChange={(e) => setDescription(e.target.value)}
        />
      </div>
      <ErrorNotice error={error} />
      {minimum !== undefined && (
        <button
          type="button"
          className="button button-small"
          onClick={() => setCapacity(String(minimum))}
        >
          Use {minimum}, the lowest allowed
        </button>
      )}
      <div className="actions">
        <button type="submit" className="button button-primary" disabled={fetching}>
          {fetching ? 'Saving…' : 'Save tier'}
        </button>
        <button type="button" className="button button-ghost" onClick={onDone}>
          Discard
        </button>
      </div>
    </form>
  );
}
