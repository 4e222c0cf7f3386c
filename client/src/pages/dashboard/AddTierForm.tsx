import { useId, useState, type FormEvent } from 'react';
import { useMutation } from 'urql';
import { ErrorNotice } from '../../components/common';
import { AddTierDocument } from './operations';

export function AddTierForm({ eventId, currency }: { eventId: string; currency: string }) {
  const [{ fetching, error }, addTier] = useMutation(AddTierDocument);
  const [name, setName] = useState('');
  const [price, setPrice] = useState('');
  const [capacity, setCapacity] = useState('');
  const [added, setAdded] = useState<string | undefined>();
  const ids = { name: useId(), price: useId(), capacity: useId() };
  const onSubmit = async (e: FormEvent) => {
    e.preventDefault();
    setAdded(undefined);
    const result = await addTier({
      eventId,
      input: {
        name: name.trim(),
        priceCents: Math.round(Number(price) * 100),
        capacity: Math.floor(Number(capacity)),
      },
    });
    if (result.data) {
      setAdded(result.data.addTicketTier.name);
      setName('');
      setPrice('');
      setCapacity('');
    }
  };
  return (
    <form className="card form" onSubmit={onSubmit} aria-labelledby="tier-heading">
      <h3 id="tier-heading">Add a ticket tier</h3>
      <div className="form-grid form-grid-3">
        <div className="field">
          <label htmlFor={ids.name}>Tier name</label>
          <input
            id={ids.name}
            required
            placeholder="General Admission"
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
            onChange={(e) => setPrice(e.target.value)}
          />
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
      <ErrorNotice error={error} />
      {added && (
        <p role="status" className="success-text">
          Added “{added}”.
        </p>
      )}
      <button type="submit" className="button" disabled={fetching}>
        {fetching ? 'Adding…' : 'Add tier'}
      </button>
    </form>
  );
}
