import type { EntityManager } from 'typeorm';
import { badInput, rows, type DomainError } from '@ko/platform';

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

  /** Tickets one fan may have per event. */
  get eventLimit(): number {
    return this.options.perFanEventLimit;
  }

  /** The refusal of a fan who already has or holds `taken` of the event's tickets. */
  overLimit(taken: number): DomainError {
    const limit = this.eventLimit;
    return badInput(
      `You can have at most ${limit} tickets for this event and already have or hold ${taken}.`,
      { field: 'quantity', limit, alreadyTaken: taken },
    );
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
    // Counted by `tickets_fan_taken`, which the one-step purchase also calls in its statement.
    const [{ taken, held }] = await rows<{ taken: number; held: number }>(
      manager,
      'SELECT taken, held FROM tickets_fan_taken($1, $2)',
      [fanId, eventId],
    );
    if (taken + quantity > this.eventLimit) throw this.overLimit(taken);
    const { perFanHeldLimit: heldLimit } = this.options;
    if (as === 'held' && held + quantity > heldLimit) {
      throw badInput(
        `You can hold at most ${heldLimit} tickets at once across all events and already hold ${held}; check out or let a hold expire first.`,
        { field: 'quantity', reason: 'HELD_LIMIT', limit: heldLimit, alreadyHeld: held },
      );
    }
  }
}
