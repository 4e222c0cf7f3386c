import { useEffect, useId, useState } from 'react';
import { Link } from 'react-router';
import { useMutation } from 'urql';
import { graphql } from '../gql';
import type { CheckoutMutation } from '../gql/graphql';
import { errorCode, type ErrorLike } from '../lib/errors';
import { formatCountdown, formatMoney, newIdempotencyKey, plural } from '../lib/format';
import { useSession } from '../session/session';
import { ErrorNotice, useSignInRedirect } from './common';

/** The most tickets one purchase may take (the platform's limit per order). */
export const MAX_PER_ORDER = 8;

const ReserveDocument = graphql(`
  mutation Reserve($input: ReserveInput!) {
    reserveTickets(input: $input) {
      id
      expiresAt
    }
  }
`);

const CheckoutDocument = graphql(`
  mutation Checkout($holdId: ID!, $idempotencyKey: String!) {
    checkout(holdId: $holdId, idempotencyKey: $idempotencyKey) {
      id
      status
      totalCents
      createdAt
      tickets {
        id
      }
    }
  }
`);

export interface Tier {
  id: string;
  name: string;
  priceCents: number;
  capacity: number;
  available: number;
}

type Order = CheckoutMutation['checkout'];

type Step =
  | { kind: 'choose' }
  /** Tickets set aside until expiresAt; the idempotency key is this attempt's, reused on retry. */
  | {
      kind: 'held';
      holdId: string;
      expiresAt: string;
      tier: Tier;
      quantity: number;
      idempotencyKey: string;
    }
  | { kind: 'expired' }
  | { kind: 'confirmed'; order: Order; tier: Tier; quantity: number };

function useNow(active: boolean, intervalMs = 500): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (!active) return;
    setNow(Date.now());
    const timer = setInterval(() => setNow(Date.now()), intervalMs);
    return () => clearInterval(timer);
  }, [active, intervalMs]);
  return now;
}

export function BuyPanel({
  eventId,
  tiers,
  onPurchased,
}: {
  eventId: string;
  tiers: readonly Tier[];
  onPurchased: () => void;
}) {
  const { viewer } = useSession();
  const askToSignIn = useSignInRedirect();
  const [tierId, setTierId] = useState<string | undefined>(
    () => tiers.find((t) => t.available > 0)?.id,
  );
  const [quantity, setQuantity] = useState(1);
  const [step, setStep] = useState<Step>({ kind: 'choose' });
  const [failure, setFailure] = useState<ErrorLike | undefined>();
  const [reserving, reserve] = useMutation(ReserveDocument);
  const [checkingOut, checkout] = useMutation(CheckoutDocument);
  const ids = { quantity: useId(), legend: useId(), countdown: useId() };

  const tier = tiers.find((t) => t.id === tierId);
  const maxQuantity = Math.max(1, Math.min(MAX_PER_ORDER, tier?.available ?? 1));
  // Availability moves while you look: keep the picked quantity within it.
  useEffect(() => {
    setQuantity((q) => Math.min(Math.max(1, q), maxQuantity));
  }, [maxQuantity]);
  useEffect(() => {
    if (!tier && tiers.length) setTierId(tiers.find((t) => t.available > 0)?.id);
  }, [tier, tiers]);

  const now = useNow(step.kind === 'held');
  const remainingMs = step.kind === 'held' ? new Date(step.expiresAt).getTime() - now : 0;
  useEffect(() => {
    if (step.kind === 'held' && remainingMs <= 0 && !checkingOut.fetching)
      setStep({ kind: 'expired' });
  }, [step.kind, remainingMs, checkingOut.fetching]);

  if (tiers.length === 0) {
    return (
      <section className="card buy-panel" aria-labelledby={ids.legend}>
        <h2 id={ids.legend}>Tickets</h2>
        <p className="muted">Tickets are not on sale yet.</p>
      </section>
    );
  }

  const onReserve = async () => {
    if (!viewer) return askToSignIn();
    if (!tier) return;
    setFailure(undefined);
    const result = await reserve({ input: { tierId: tier.id, quantity } });
    if (result.error || !result.data) {
      setFailure(result.error);
      onPurchased(); // availability changed under us: show the real numbers
      return;
    }
    const hold = result.data.reserveTickets;
    setStep({
      kind: 'held',
      holdId: hold.id,
      expiresAt: hold.expiresAt,
      tier,
      quantity,
      idempotencyKey: newIdempotencyKey(),
    });
  };

  const onCheckout = async () => {
    if (step.kind !== 'held') return;
    setFailure(undefined);
    const result = await checkout({ holdId: step.holdId, idempotencyKey: step.idempotencyKey });
    if (result.data) {
      setStep({
        kind: 'confirmed',
        order: result.data.checkout,
        tier: step.tier,
        quantity: step.quantity,
      });
      onPurchased();
      return;
    }
    if (errorCode(result.error) === 'HOLD_EXPIRED' || errorCode(result.error) === 'NOT_FOUND') {
      setStep({ kind: 'expired' });
      onPurchased();
    }
    setFailure(result.error);
  };

  const startOver = () => {
    setFailure(undefined);
    setStep({ kind: 'choose' });
  };

  return (
    <section className="card buy-panel" aria-labelledby={ids.legend}>
      <h2 id={ids.legend}>Tickets</h2>

      {step.kind === 'choose' && (
        <>
          <fieldset className="tier-list">
            <legend className="visually-hidden">Choose a ticket type</legend>
            {tiers.map((t) => (
              <label
                key={t.id}
                className={`tier-option${t.id === tierId ? ' selected' : ''}${t.available === 0 ? ' disabled' : ''}`}
              >
                <input
                  type="radio"
                  name={`tier-${eventId}`}
                  value={t.id}
                  checked={t.id === tierId}
                  disabled={t.available === 0}
                  onChange={() => setTierId(t.id)}
                />
                <span className="tier-name">{t.name}</span>
                <span className="tier-price">{formatMoney(t.priceCents)}</span>
                <span
                  className={`tier-availability${t.available === 0 ? ' sold-out' : t.available <= 10 ? ' low' : ''}`}
                  aria-live="polite"
                >
                  {t.available === 0
                    ? 'Sold out'
                    : t.available <= 10
                      ? `Only ${t.available} left`
                      : `${t.available} left`}
                </span>
              </label>
            ))}
          </fieldset>

          {tier && tier.available > 0 ? (
            <div className="buy-row">
              <div className="field quantity-field">
                <label htmlFor={ids.quantity}>Quantity</label>
                <div className="stepper">
                  <button
                    type="button"
                    aria-label="One ticket fewer"
                    disabled={quantity <= 1}
                    onClick={() => setQuantity((q) => Math.max(1, q - 1))}
                  >
                    −
                  </button>
                  <input
                    id={ids.quantity}
                    type="number"
                    inputMode="numeric"
                    min={1}
                    max={maxQuantity}
                    value={quantity}
                    onChange={(e) => {
                      const n = Math.floor(Number(e.target.value));
                      if (Number.isFinite(n)) setQuantity(Math.min(Math.max(1, n), maxQuantity));
                    }}
                  />
                  <button
                    type="button"
                    aria-label="One ticket more"
                    disabled={quantity >= maxQuantity}
                    onClick={() => setQuantity((q) => Math.min(maxQuantity, q + 1))}
                  >
                    +
                  </button>
                </div>
                <small className="hint">
                  {maxQuantity < MAX_PER_ORDER
                    ? `Only ${maxQuantity} available.`
                    : `Up to ${MAX_PER_ORDER} per order.`}
                </small>
              </div>
              <div className="buy-total">
                <span className="muted">Total</span>
                <strong>{formatMoney(tier.priceCents * quantity)}</strong>
              </div>
              <button
                type="button"
                className="button button-primary"
                disabled={reserving.fetching}
                onClick={onReserve}
              >
                {!viewer
                  ? 'Sign in to buy'
                  : reserving.fetching
                    ? 'Reserving…'
                    : `Reserve ${plural(quantity, 'ticket')}`}
              </button>
            </div>
          ) : (
            <p className="muted">All tickets are sold out.</p>
          )}
        </>
      )}

      {step.kind === 'held' && (
        <div className="hold">
          <p className="hold-summary">
            <strong>{plural(step.quantity, 'ticket')}</strong> · {step.tier.name} ·{' '}
            {formatMoney(step.tier.priceCents * step.quantity)}
          </p>
          <p id={ids.countdown} className="countdown" role="timer" aria-live="off">
            Held for you for <strong>{formatCountdown(remainingMs)}</strong>
          </p>
          <p className="muted">
            Complete your purchase before the timer runs out, or the tickets go back on sale.
          </p>
          <div className="actions">
            <button
              type="button"
              className="button button-primary"
              disabled={checkingOut.fetching}
              aria-describedby={ids.countdown}
              onClick={onCheckout}
            >
              {checkingOut.fetching
                ? 'Confirming…'
                : `Pay ${formatMoney(step.tier.priceCents * step.quantity)}`}
            </button>
            <button
              type="button"
              className="button button-ghost"
              disabled={checkingOut.fetching}
              onClick={startOver}
            >
              Cancel
            </button>
          </div>
        </div>
      )}

      {step.kind === 'expired' && (
        <div className="hold">
          <p role="alert">Your hold expired and the tickets went back on sale.</p>
          <button type="button" className="button" onClick={startOver}>
            Choose tickets again
          </button>
        </div>
      )}

      {step.kind === 'confirmed' && (
        <div className="confirmation" role="status">
          <h3>You're going!</h3>
          <p>
            {plural(step.order.tickets.length, 'ticket')} · {step.tier.name} · paid{' '}
            {formatMoney(step.order.totalCents)}
          </p>
          <p className="muted">
            Order {step.order.id.slice(0, 8).toUpperCase()}. Your tickets and their QR codes are on
            your profile.
          </p>
          <div className="actions">
            <Link className="button button-primary" to="/profile">
              See my tickets
            </Link>
            <button type="button" className="button button-ghost" onClick={startOver}>
              Buy more
            </button>
          </div>
        </div>
      )}

      <ErrorNotice error={failure} />
    </section>
  );
}
