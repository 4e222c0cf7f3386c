import type { DataSource } from 'typeorm';
import {
  DomainError,
  badInput,
  conflict,
  hydrate,
  isUuid,
  notFound,
  requireViewer,
  rows,
  type Viewer,
} from '@ko/platform';
import { admissionUsed, requireAdmission } from './admission';
import { Hold } from './entities/hold';
import type { Order } from './entities/order';
import { TicketTier } from './entities/ticket-tier';
import type { EventStates } from './event-states';
import type { FanLimits } from './fan-limits';
import type { OrderBook } from './order-book';
import type { PurchaseThrottle } from './purchase-throttle';
import { eventCancelled, soldOut } from './sale-refusals';
import { checkKey, fingerprintOf, sameRequest } from './sale-terms';
import {
  holdPlaces,
  refuse,
  releaseExpired,
  releasedHold,
  sellHeldPlaces,
  takePlaces,
} from './tier-places';

export interface BoxOfficeOptions {
  holdTtlSeconds: number;
}

/**
 * Selling: holds, checkout and one-step purchases. Each is one transaction that takes the
 * fan's lock (see FanLimits), checks what they may take, changes the tier's counts with one
 * conditional UPDATE (see tier-places) and writes what that pays for (see OrderBook).
 * Locks are always taken fan, then hold, then tier, so two sales cannot deadlock.
 */
export class BoxOffice {
  constructor(
    private readonly db: DataSource,
    private readonly states: EventStates,
    private readonly limits: FanLimits,
    private readonly orders: OrderBook,
    private readonly throttle: Pick<PurchaseThrottle, 'take' | 'giveBack'>,
    private readonly options: BoxOfficeOptions,
  ) {}

  async reserve(
    viewer: Viewer | null,
    input: { tierId: string; quantity: number },
    authorization: string | undefined,
  ): Promise<Hold> {
    const fan = requireViewer(viewer);
    const quantity = this.limits.quantity(input.quantity);
    const tier = await this.tierForSale(input.tierId);
    await this.states.assertOnSale(tier.eventId, authorization);
    await this.throttle.take(fan.id);
    return this.db.transaction(async (manager) => {
      await this.limits.lock(manager, fan.id);
      await requireAdmission(manager, fan.id, tier.eventId);
      await this.limits.check(manager, fan.id, tier.eventId, quantity, 'held');
      await holdPlaces(manager, tier, quantity);
      const [row] = await rows(
        manager,
        `INSERT INTO holds (tier_id, event_id, user_id, quantity, expires_at)
         VALUES ($1, $2, $3, $4, now() + make_interval(secs => $5)) RETURNING *`,
        [tier.id, tier.eventId, fan.id, quantity, this.options.holdTtlSeconds],
      );
      return hydrate(manager, Hold, row);
    });
  }

  async purchase(
    viewer: Viewer | null,
    input: { tierId: string; quantity: number; idempotencyKey: string },
    authorization: string | undefined,
  ): Promise<Order> {
    const fan = requireViewer(viewer);
    const key = checkKey(input.idempotencyKey);
    const quantity = this.limits.quantity(input.quantity);
    const fingerprint = fingerprintOf('purchase', input.tierId, quantity);
    const earlier = await this.orders.byKey(this.db.manager, fan.id, key);
    if (earlier) return sameRequest(earlier, fingerprint);
    const tier = await this.tierForSale(input.tierId);
    await this.states.assertOnSale(tier.eventId, authorization);
    await this.throttle.take(fan.id);
    // Sold out when it was read a moment ago: places only come back by a hold expiring, so say
    // so now rather than open a transaction that would queue for the tier's row to learn it.
    if (tier.available < quantity) throw soldOut(tier, tier.available);
    let created = false;
    const order = await this.orders.commit(fan.id, key, fingerprint, async (manager) => {
      // Duplicates of one request serialize on this lock, so the later ones find the order here.
      await this.limits.lock(manager, fan.id);
      const winner = await this.orders.byKey(manager, fan.id, key);
      if (winner) return sameRequest(winner, fingerprint);
      await requireAdmission(manager, fan.id, tier.eventId);
      await this.limits.check(manager, fan.id, tier.eventId, quantity, 'sold');
      const sale = { fan: fan.id, buyer: fan, tier, quantity, holdId: null, key, fingerprint };
      const made = await this.orders.record(manager, sale, {
        sql: takePlaces('sold'),
        params: [tier.id, quantity],
      });
      // Sold out or cancelled since it was read: the order rolls back with the refusal.
      if (!made) return refuse(manager, tier);
      await admissionUsed(manager, fan.id, tier.eventId);
      created = true;
      return made;
    });
    // A concurrent duplicate that found the order made under its key bought nothing new.
    if (!created) await this.throttle.giveBack(fan.id);
    return order;
  }

  async checkout(viewer: Viewer | null, holdId: string, idempotencyKey: string): Promise<Order> {
    const fan = requireViewer(viewer);
    const key = checkKey(idempotencyKey);
    if (!isUuid(holdId)) throw notFound('Hold', holdId);
    const fingerprint = fingerprintOf('checkout', holdId);
    const earlier = await this.orders.byKey(this.db.manager, fan.id, key);
    if (earlier) return sameRequest(earlier, fingerprint);
    await this.throttle.take(fan.id);
    let created = false;
    const outcome = await this.orders.commit(fan.id, key, fingerprint, async (manager) => {
      // The fan's lock first (so a reserve cannot count this hold as expired and then see it
      // sold), then the hold's row lock, which serializes checkouts of it.
      await this.limits.lock(manager, fan.id);
      const [row] = await rows<Record<string, unknown> & { expired: boolean }>(
        manager,
        'SELECT *, expires_at <= statement_timestamp() AS expired FROM holds WHERE id = $1 FOR UPDATE',
        [holdId],
      );
      const hold = row && hydrate(manager, Hold, row);
      if (!hold || hold.userId !== fan.id) throw notFound('Hold', holdId);
      const winner = await this.orders.byKey(manager, fan.id, key);
      if (winner) return sameRequest(winner, fingerprint);
      if (hold.status === 'CHECKED_OUT') {
        const [done] = await rows<{ id: string }>(
          manager,
          'SELECT id FROM orders WHERE hold_id = $1',
          [hold.id],
        );
        throw conflict('This hold was already checked out (with another idempotency key).', {
          orderId: done?.id,
        });
      }
      if (hold.status === 'RELEASED') throw await releasedHold(manager, hold);
      if (hold.status === 'EXPIRED' || row.expired) {
        // Give the places back now rather than waiting for the sweeper, and say so after commit.
        if (hold.status === 'ACTIVE') await releaseExpired(manager, hold);
        return { expired: hold };
      }
      const tier = await manager.getRepository(TicketTier).findOneByOrFail({ id: hold.tierId });
      await manager.query(`UPDATE holds SET status = 'CHECKED_OUT' WHERE id = $1`, [hold.id]);
      const sale = {
        fan: fan.id,
        buyer: fan,
        tier,
        quantity: hold.quantity,
        holdId: hold.id,
        key,
        fingerprint,
      };
      const made = await this.orders.record(manager, sale, {
        sql: sellHeldPlaces,
        params: [hold.tierId, hold.quantity],
      });
      if (!made) throw eventCancelled();
      await admissionUsed(manager, fan.id, tier.eventId);
      created = true;
      return made;
    });
    if ('expired' in outcome) {
      throw new DomainError(
        'HOLD_EXPIRED',
        'This hold has expired and its tickets went back on sale; reserve again.',
        { holdId: outcome.expired.id, expiredAt: outcome.expired.expiresAt.toISOString() },
      );
    }
    if (!created) await this.throttle.giveBack(fan.id);
    return outcome;
  }

  private async tierForSale(tierId: string): Promise<TicketTier> {
    const tier = isUuid(tierId)
      ? await this.db.getRepository(TicketTier).findOneBy({ id: tierId })
      : null;
    if (!tier) throw badInput(`There is no ticket tier ${tierId}.`, { field: 'tierId' });
    if (tier.eventCancelled) throw eventCancelled();
    return tier;
  }
}
