import type { DataSource } from 'typeorm';
import {
  conflict,
  hydrate,
  isUuid,
  notFound,
  requireViewer,
  rows,
  type Viewer,
} from '@ko/platform';
import { giveBackHeld } from './availability';
import { Hold } from './entities/hold';

/** Where buyers see and give back their holds. */
export class HoldDesk {
  constructor(
    private readonly db: DataSource,
    private readonly onCommitted: () => void = () => undefined,
  ) {}

  /** A user's holds still running, soonest to expire first; null for anyone but that user. */
  async activeOf(viewer: Viewer | null, userId: string, first: number): Promise<Hold[] | null> {
    if (viewer?.id !== userId) return null;
    const found = await rows(
      this.db.manager,
      `SELECT * FROM holds WHERE user_id = $1 AND status = 'ACTIVE' AND expires_at > now()
       ORDER BY expires_at, id LIMIT $2`,
      [userId, first],
    );
    return found.map((row) => hydrate(this.db.manager, Hold, row));
  }

  /**
   * Gives a hold back: its places are for sale again in the same transaction. NOT_FOUND for
   * someone else's hold (as for none), CONFLICT for one already checked out. Giving back a
   * hold that is already released or expired changes nothing and returns it as it is.
   */
  async release(viewer: Viewer | null, holdId: string): Promise<Hold> {
    const fan = requireViewer(viewer);
    if (!isUuid(holdId)) throw notFound('Hold', holdId);
    const hold = await this.db.transaction(async (manager) => {
      // The hold's row lock, as in checkout and the sweeper: holds before tiers.
      const [row] = await rows<Record<string, unknown> & { expired: boolean }>(
        manager,
        'SELECT *, expires_at <= now() AS expired FROM holds WHERE id = $1 FOR UPDATE',
        [holdId],
      );
      const found = row && hydrate(manager, Hold, row);
      if (!found || found.userId !== fan.id) throw notFound('Hold', holdId);
      if (found.status === 'CHECKED_OUT')
        throw conflict('This hold was already checked out: its tickets are yours.', {
          holdId: found.id,
        });
      if (found.status !== 'ACTIVE') return found;
      found.status = row.expired ? 'EXPIRED' : 'RELEASED';
      await manager.query('UPDATE holds SET status = $2 WHERE id = $1', [found.id, found.status]);
      await giveBackHeld(manager, found);
      return found;
    });
    this.onCommitted();
    return hold;
  }
}
