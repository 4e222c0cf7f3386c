import { useEffect, useId, useRef, useState } from 'react';
import { Link, useNavigate } from 'react-router';
import { useMutation, useQuery } from 'urql';
import { errorCode, type ErrorLike } from '../lib/errors';
import { formatCountdown, formatMoney, newIdempotencyKey, plural } from '../lib/format';
import { useSession } from '../session/session';
import { ErrorNotice, useSignInRedirect } from './common';
import {
  CheckoutDocument,
  MAX_PER_ORDER,
  MyHoldsDocument,
  ReleaseHoldDocument,
  ReserveDocument,
  availabilityLabel,
  choiceKey,
  isLow,
  savedChoice,
  useNow,
  type Step,
  type Tier,
} from './buy/purchase';

export { MAX_PER_ORDER, availabilityLabel, type Tier } from './buy/purchase';

export function BuyPanel({
  eventId,
  currency,
  tiers,
  onPurchased,
}: {
  eventId: string;
  /** ISO 4217: the event's prices are in it. */
  currency: string;
  tiers: readonly Tier[];
  onPurchased: () => void;
}) {
  const { viewer } = useSession();
  const askToSignIn = useSignInRedirect();
  const navigate = useNavigate();
  const [tierId, setTierId] = useState<string | undefined>(() => {
    const saved = savedChoice(eventId).tierId;
    return tiers.some((t) => t.id === saved && t.available > 0)
      ? saved
      : tiers.find((t) => t.available > 0)?.id;
  });
  const [quantity, setQuantity] = useState(() => savedChoice(eventId).quantity ?? 1);
  const [step, setStep] = useState<Step>({ kind: 'choose' });
  // Keeps the choice while it is made, so "Sign in to buy" comes back to it.
  useEffect(() => {
    if (tierId) sessionStorage.setItem(choiceKey(eventId), JSON.stringify({ tierId, quantity }));
  }, [eventId, tierId, quantity]);
  // A hold of this event that is still running comes back, with its countdown.
  const [holds] = useQuery({
    query: MyHoldsDocument,
    pause: !viewer,
    requestPolicy: 'network-only',
  });
  // Each hold comes back once: one given back or checked out here is not resumed again.
  const resumed = useRef(new Set<string>());
  useEffect(() => {
    const active = holds.data?.me?.holds?.find(
      (h) =>
        !resumed.current.has(h.id) &&
        tiers.some((t) => t.id === h.tier.id) &&
        new Date(h.expiresAt).getTime() > Date.now(),
    );
    const heldTier = active && tiers.find((t) => t.id === active.tier.id);
    if (!active || !heldTier) return;
    resumed.current.add(active.id);
    setStep((current) =>
      current.kind === 'choose'
        ? {
            kind: 'held',
            holdId: active.id,
            expiresAt: active.expiresAt,
            tier: heldTier,
            quantity: active.quantity,
            idempotencyKey: newIdempotencyKey(),
          }
        : current,
    );
    // Only when the holds are read: later changes to the tiers do not bring a hold back.
  }, [holds.data]);
  const [failure, setFailure] = useState<ErrorLike | undefined>();
  const [reserving, reserve] = useMutation(ReserveDocument);
  const [checkingOut, checkout] = useMutation(CheckoutDocument);
  const [releasing, releaseHold] = useMutation(ReleaseHoldDocument);
  const money = (cents: number) => formatMoney(cents, currency);
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
    // The sale has a waiting room and this fan's turn has not come (or is over): to the line.
    if (errorCode(result.error) === 'QUEUE_REQUIRED') return navigate(`/events/${eventId}/queue`);
    if (result.error || !result.data) {
      setFailure(result.error);
      onPurchased(); // availability changed under us: show the real numbers
      return;
    }
    const hold = result.data.reserveTickets;
    resumed.current.add(hold.id);
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
      sessionStorage.removeItem(choiceKey(eventId));
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

  /** "Cancel" gives the hold back, so its places are for sale again at once. */
  const onRelease = async () => {
    if (step.kind !== 'held') return;
    setFailure(undefined);
    const result = await releaseHold({ holdId: step.holdId });
    if (result.error && errorCode(result.error) !== 'NOT_FOUND') {
      setFailure(result.error);
      return;
    }
    startOver();
    onPurchased();
  };
  const anyAvailable = tiers.some((t) => t.available > 0);

  return (
    <section id="tickets" className="card buy-panel" aria-labelledby={ids.legend}>
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
                <span className="tier-price">{money(t.priceCents)}</span>
                <span
                  className={`tier-availability${t.available === 0 ? ' sold-out' : isLow(t) ? ' low' : ''}`}
                  aria-live="polite"
                >
                  {availabilityLabel(t)}
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
                <strong>{money(tier.priceCents * quantity)}</strong>
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
            <p className="muted" role="status">
              {anyAvailable
                ? `${tier?.name ?? 'This ticket type'} is sold out: choose another ticket type.`
                : tiers.some((t) => t.opensAt)
                  ? 'Tickets are not on sale yet.'
                  : 'All tickets are sold out.'}
            </p>
          )}
        </>
      )}

      {step.kind === 'held' && (
        <div className="hold">
          <p className="hold-summary">
            <strong>{plural(step.quantity, 'ticket')}</strong> · {step.tier.name} ·{' '}
            {money(step.tier.priceCents * step.quantity)}
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
                : `Pay ${money(step.tier.priceCents * step.quantity)}`}
            </button>
            <button
              type="button"
              className="button button-ghost"
              disabled={checkingOut.fetching || releasing.fetching}
              onClick={onRelease}
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
            {money(step.order.totalCents)}
          </p>
          <p className="muted">
            Order {step.order.number}. Your tickets and their QR codes are on your profile.
          </p>
          <div className="actions">
            <Link className="button button-primary" to={`/orders/${step.order.id}`}>
              See my order and tickets
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
