import type { DataSource } from 'typeorm';
import { SingleFlight, rows } from '@ko/platform';

const MAX_REMEMBERED = 10_000;

/**
 * Which event a tier belongs to, remembered: a tier never moves to another event and is never
 * deleted, so the answer cannot go stale. The one-step purchase needs it before its statement
 * (its tickets' codes are signed for the event); everything that can change (the tier's counts,
 * cancellation, sale window, price, name) is read in that statement.
 */
export class TierEvents {
  private readonly remembered = new Map<string, string>();
  /**
   * Look-ups under way: the first buyers of an on-sale all ask at once, and each asking on its
   * own took a pooled connection the sales themselves were waiting for.
   */
  private readonly asking = new SingleFlight<string, string | undefined>();

  constructor(private readonly db: DataSource) {}

  /** The tier's event, or undefined when there is no such tier (not remembered: it may be created). */
  async of(tierId: string): Promise<string | undefined> {
    const known = this.remembered.get(tierId);
    if (known) return known;
    return this.asking.run(tierId, () => this.lookUp(tierId));
  }

  private async lookUp(tierId: string): Promise<string | undefined> {
    const [tier] = await rows<{ event_id: string }>(
      this.db.manager,
      'SELECT event_id FROM ticket_tiers WHERE id = $1',
      [tierId],
    );
    if (!tier) return undefined;
    // Bounded: the oldest entry goes first (Map keeps insertion order).
    if (this.remembered.size >= MAX_REMEMBERED)
      this.remembered.delete(this.remembered.keys().next().value as string);
    this.remembered.set(tierId, tier.event_id);
    return tier.event_id;
  }
}
