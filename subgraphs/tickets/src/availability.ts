import type { EntityManager } from 'typeorm';
import { Facts, changeAndEnqueue, type TiersAvailabilityChangedFact } from '@ko/platform';

/** One tier's places for sale, as the `tiers.availability.changed` fact carries it. */
export type TierAvailability = TiersAvailabilityChangedFact['tiers'][number];

/** Fields `changeAndEnqueue` fills in from a changed `ticket_tiers` row. */
const FROM_TIER_ROW = {
  tiers: `jsonb_build_array(jsonb_build_object('tierId', changed.id, 'name', changed.name,
            'available', changed.capacity - changed.sold - changed.held,
            'salesStartAt', changed.sales_start_at, 'salesEndAt', changed.sales_end_at))`,
};

/**
 * Runs a change of one `ticket_tiers` row (`... RETURNING *`) and writes its
 * `tiers.availability.changed` fact (Facts.tiersAvailabilityChanged) in the same statement, so a
 * tier's row lock is held no longer than the change alone would. Returns the changed row, or
 * none when nothing changed (and nothing was announced).
 */
export function changeTier<Row = Record<string, unknown>>(
  manager: EntityManager,
  eventId: string,
  change: { sql: string; params: unknown[] },
): Promise<Row[]> {
  return changeAndEnqueue<Row, TiersAvailabilityChangedFact, 'tiers'>(
    manager,
    change,
    Facts.tiersAvailabilityChanged,
    { eventId },
    FROM_TIER_ROW,
  );
}

/** Gives `quantity` held places of a tier back to sale, and says so. */
export async function giveBackHeld(
  manager: EntityManager,
  hold: { tierId: string; eventId: string; quantity: number },
): Promise<void> {
  await changeTier(manager, hold.eventId, {
    sql: 'UPDATE ticket_tiers SET held = held - $2 WHERE id = $1 RETURNING *',
    params: [hold.tierId, hold.quantity],
  });
}
