import { rows } from '@ko/platform';
import type { DataSource } from 'typeorm';
import type { Logger } from '@ko/platform';
import { giveBackHeld } from './availability';

/**
 * Gives expired holds' places back to their tiers, without anyone having to call anything.
 * Every instance runs one; `FOR UPDATE SKIP LOCKED` lets them share the work instead of
 * queueing on the same rows, and a hold being checked out right now is simply skipped.
 */
export class HoldSweeper {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = false;

  constructor(
    private readonly db: DataSource,
    private readonly logger: Logger,
    private readonly intervalMs: number,
    private readonly batchSize = 500,
  ) {}

  start(): void {
    const tick = () => {
      this.running = this.sweepAll()
        .then(() => undefined)
        .catch((error: unknown) =>
          this.logger.warn({ err: error }, 'hold sweep failed; will retry'),
        )
        .finally(() => {
          if (!this.stopped) this.timer = setTimeout(tick, this.intervalMs);
        });
    };
    this.timer = setTimeout(tick, this.intervalMs);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
  }

  /** Sweeps until no expired hold is left; returns how many holds were released. */
  async sweepAll(): Promise<number> {
    let total = 0;
    for (;;) {
      const released = await this.sweepOnce();
      total += released;
      if (released < this.batchSize || this.stopped) break;
    }
    if (total > 0) this.logger.info({ holds: total }, 'expired holds released');
    return total;
  }

  private async sweepOnce(): Promise<number> {
    return this.db.transaction(async (manager) => {
      const expired = await rows<{ tier_id: string; event_id: string; quantity: number }>(
        manager,
        `UPDATE holds SET status = 'EXPIRED' WHERE id IN (
           SELECT id FROM holds WHERE status = 'ACTIVE' AND expires_at <= now()
           ORDER BY expires_at LIMIT $1 FOR UPDATE SKIP LOCKED)
         RETURNING tier_id, event_id, quantity`,
        [this.batchSize],
      );
      const byTier = new Map<string, { eventId: string; quantity: number }>();
      for (const hold of expired) {
        const tier = byTier.get(hold.tier_id) ?? { eventId: hold.event_id, quantity: 0 };
        byTier.set(hold.tier_id, { ...tier, quantity: tier.quantity + hold.quantity });
      }
      // Tiers in id order, so two sweepers touching the same tiers cannot deadlock.
      for (const tierId of [...byTier.keys()].sort()) {
        await giveBackHeld(manager, { tierId, ...byTier.get(tierId)! });
      }
      return expired.length;
    });
  }
}
