import type { EntityManager } from 'typeorm';
import { badInput, rows } from '@ko/platform';

export interface FanLimitOptions {
  /** Tickets (bought or held) one fan may have per event. */
  perFanEventLimit: number;
  /** Places one fan may hold at once across every event, against squatting many events' stock. */
  perFanHeldLimit: number;
}

/**
 * How much one fan may take: per event (bought or held) and held across the platform.
 *
 * Concurrency: every transaction that adds to what a fan has or holds (reserve, purchase,
 * checkout) first takes the fan's advisory lock, so counting and the write that follows are one
 * step for that fan, across events and instances. Expiry is read on the clock after that lock
 * (`statement_timestamp()`, not the transaction's start): a reserve that counts a hold as expired
 * ran before any later checkout of it, which then finds it expired too and refuses it; a checkout
 * that finds it live commits its tickets before the next reserve counts.
 */
export class FanLimits {
  constructor(private readonly options: FanLimitOptions) {}

  /** A quantity one request may ask for: 1 to the per-event limit. */
  quantity(quantity: number): number {
    const limit = this.options.perFanEventLimit;
    if (!Number.isInteger(quantity) || quantity < 1 || quantity > limit) {
      throw badInput(`Choose 1 to ${limit} tickets.`, { field: 'quantity', limit });
    }
    return quantity;
  }

  /** Serializes this fan's sales transactions (released at commit or rollback). */
  async lock(manager: EntityManager, fanId: string): Promise<void> {
    await manager.query(`SELECT pg_advisory_xact_lock(hashtext('tickets.fan'), hashtext($1))`, [
      fanId,
    ]);
  }

  /**
   * Refuses `quantity` more for `eventId` (BAD_USER_INPUT) when the fan would pass the event's
   * limit, or, when they are to be `held`, the platform-wide held limit. Call under `lock`.
   */
  async check(
    manager: EntityManager,
    fanId: string,
    eventId: string,
    quantity: number,
    as: 'held' | 'sold',
  ): Promise<void> {
    const [{ taken, held }] = await rows<{ taken: number; held: number }>(
      manager,
      `WITH live AS (
         SELECT event_id, quantity FROM holds
         WHERE user_id = $1 AND status = 'ACTIVE' AND expires_at > statement_timestamp())
       SELECT (SELECT count(*) FROM tickets WHERE owner_id = $1 AND event_id = $2 AND status <> 'CANCELLED')::int
            + (SELECT coalesce(sum(quantity), 0) FROM live WHERE event_id = $2)::int AS taken,
              (SELECT coalesce(sum(quantity), 0) FROM live)::int AS held`,
      [fanId, eventId],
    );
    const { perFanEventLimit: limit, perFanHeldLimit: heldLimit } = this.options;
    if (taken + quantity > limit) {
      throw badInput(
        `You can have at most ${limit} tickets for this event and already have or hold ${taken}.`,
        { field: 'quantity', limit, alreadyTaken: taken },
      );
    }
    if (as === 'held' && held + quantity > heldLimit) {
      throw badInput(
        `You can hold at most ${heldLimit} tickets at once across all events and already hold ${held}; check out or let a hold expire first.`,
        { field: 'quantity', reason: 'HELD_LIMIT', limit: heldLimit, alreadyHeld: held },
      );
    }
  }
}
