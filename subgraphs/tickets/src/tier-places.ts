import type { EntityManager } from 'typeorm';
import { conflict, hydrate, rows, type DomainError } from '@ko/platform';
import { changeTier, giveBackHeld } from './availability';
import type { Hold } from './entities/hold';
import { TicketTier } from './entities/ticket-tier';
import { eventCancelled, soldOut } from './sale-refusals';
import { IN_SALE_WINDOW, notInWindow } from './sale-window';

/**
 * A tier's counts (`sold`, `held`) change only through these statements. Each is one
 * conditional UPDATE under the tier's row lock: the database decides, so there is no
 * check-then-write race, no overselling and no lost place.
 */

/**
 * Takes places from a tier ($1) if enough ($2) are left, its event is not cancelled and it is
 * in its sale window. (The one-step purchase runs the same UPDATE inside `tickets_purchase`.)
 */
export const takePlaces = (as: 'sold' | 'held') =>
  `UPDATE ticket_tiers SET ${as} = ${as} + $2
   WHERE id = $1 AND NOT event_cancelled AND capacity - sold - held >= $2
     AND ${IN_SALE_WINDOW} RETURNING *`;

/** Turns a hold's places ($2 of tier $1) from held to sold, unless the event was cancelled. */
export const sellHeldPlaces = `UPDATE ticket_tiers SET held = held - $2, sold = sold + $2
   WHERE id = $1 AND NOT event_cancelled RETURNING *`;

/** Holds `quantity` places of `tier`; SOLD_OUT (or the cancellation) when it cannot. */
export async function holdPlaces(
  manager: EntityManager,
  tier: TicketTier,
  quantity: number,
): Promise<TicketTier> {
  // Announced with the change, so open event pages show the places held (eventUpdated).
  const [row] = await changeTier(manager, tier.eventId, {
    sql: takePlaces('held'),
    params: [tier.id, quantity],
  });
  if (row) return hydrate(manager, TicketTier, row);
  return refuse(manager, tier);
}

/**
 * Why a tier could not give the places asked for: its event was cancelled, it is outside its
 * sale window, or too few are left.
 */
export async function refuse(manager: EntityManager, tier: TicketTier): Promise<never> {
  const [now] = await rows<TierNow>(
    manager,
    `SELECT capacity - sold - held AS available, event_cancelled, sales_start_at, sales_end_at,
            ${IN_SALE_WINDOW} AS in_window, statement_timestamp() AS at
     FROM ticket_tiers WHERE id = $1`,
    [tier.id],
  );
  throw refusalOf(tier, now);
}

/** A tier as read when its places could not be taken (see `refuse`). */
export interface TierNow {
  available: number;
  event_cancelled: boolean;
  in_window: boolean;
  sales_start_at: Date | null;
  sales_end_at: Date | null;
  at: Date;
}

/** Why: cancelled, outside the sale window, or too few places left (in that order). */
export function refusalOf(tier: { id: string; name: string }, now: TierNow): DomainError {
  if (now.event_cancelled) return eventCancelled();
  if (!now.in_window)
    return notInWindow(
      tier,
      { salesStartAt: now.sales_start_at, salesEndAt: now.sales_end_at },
      now.at,
    );
  return soldOut(tier, now.available);
}

/** An expired hold (locked by the caller) gives its places back now rather than at the next sweep. */
export async function releaseExpired(manager: EntityManager, hold: Hold): Promise<void> {
  await manager.query(`UPDATE holds SET status = 'EXPIRED' WHERE id = $1`, [hold.id]);
  await giveBackHeld(manager, hold);
}

/** Why a RELEASED hold cannot be checked out: its buyer gave it back, or its event was cancelled. */
export async function releasedHold(manager: EntityManager, hold: Hold): Promise<DomainError> {
  const [tier] = await rows<{ event_cancelled: boolean }>(
    manager,
    'SELECT event_cancelled FROM ticket_tiers WHERE id = $1',
    [hold.tierId],
  );
  return tier?.event_cancelled
    ? eventCancelled()
    : conflict('This hold was given back and its places are on sale again; reserve again.', {
        holdId: hold.id,
      });
}
