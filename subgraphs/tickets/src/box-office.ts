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
import { admissionUsed, queueRequired, requireAdmission } from './admission';
import { Hold } from './entities/hold';
import type { Order } from './entities/order';
import type { Ticket } from './entities/ticket';
import { TicketTier } from './entities/ticket-tier';
import type { EventStates } from './event-states';
import type { FanLimits } from './fan-limits';
import type { OrderBook } from './order-book';
import type { PurchaseThrottle } from './purchase-throttle';
import { eventCancelled, notOnSale, soldOut } from './sale-refusals';
import { checkKey, fingerprintOf, sameRequest } from './sale-terms';
import type { TierEvents } from './tier-events';
import { holdPlaces, refusalOf, releaseExpired, releasedHold, sellHeldPlaces } from './tier-places';

const noTier = (tierId: string) =>
  badInput(`There is no ticket tier ${tierId}.`, { field: 'tierId' });

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
    private readonly throttle: Pick<PurchaseThrottle, 'take' | 'giveBack' | 'terms' | 'refusal'>,
    private readonly tierEvents: TierEvents,
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

  /**
   * A one-step purchase: one statement (`tickets_purchase`, see OrderBook.purchase) checks, in
   * this order, an earlier order under the key, the tier, the event's state, the buyer's attempts,
   * places left, the waiting room and the fan's limit, then sells. `sold` sees the new tickets.
   */
  async purchase(
    viewer: Viewer | null,
    input: { tierId: string; quantity: number; idempotencyKey: string },
    authorization: string | undefined,
    sold: (order: Order, tickets: Ticket[]) => void = () => undefined,
  ): Promise<Order> {
    const fan = requireViewer(viewer);
    const key = checkKey(input.idempotencyKey);
    const quantity = this.limits.quantity(input.quantity);
    const fingerprint = fingerprintOf('purchase', input.tierId, quantity);
    const { tierId } = input;
    const eventId = isUuid(tierId) ? await this.tierEvents.of(tierId) : undefined;
    if (!eventId) {
      // No such tier: a retry under a used key still finds its order first, as in the statement.
      const earlier = await this.orders.byKey(this.db.manager, fan.id, key);
      if (earlier) return sameRequest(earlier, fingerprint);
      throw noTier(tierId);
    }
    const sale = {
      buyer: fan,
      tierId,
      eventId,
      quantity,
      key,
      fingerprint,
      stateChecked: false,
      eventLimit: this.limits.eventLimit,
      attempts: this.throttle.terms(fan.id),
    };
    let outcome = await this.orders.purchase(sale);
    if (outcome.outcome === 'eventState') {
      // Not known here to be on sale: the events service says (refusing with why), then sell.
      await this.states.assertOnSale(eventId, authorization);
      outcome = await this.orders.purchase({
        ...sale,
        stateChecked: true,
        attempts: this.throttle.terms(fan.id),
      });
    }
    switch (outcome.outcome) {
      case 'sold':
        sold(outcome.order, outcome.tickets);
        return outcome.order;
      case 'replay':
        return sameRequest(outcome.order, fingerprint);
      case 'noTier':
        throw noTier(tierId);
      case 'cancelled':
        throw eventCancelled();
      case 'eventState':
        throw notOnSale(outcome.status ?? 'DRAFT');
      case 'rateLimited':
        throw this.throttle.refusal(outcome.expire);
      case 'soldOut':
        throw soldOut({ id: tierId, name: outcome.name }, outcome.available);
      case 'queueRequired':
        throw queueRequired(outcome.eventId, outcome.ticketId, outcome.status);
      case 'limit':
        throw this.limits.overLimit(outcome.taken);
      case 'refused':
        throw refusalOf(
          { id: tierId, name: outcome.name },
          {
            available: outcome.available,
            event_cancelled: outcome.eventCancelled,
            in_window: outcome.inWindow,
            sales_start_at: outcome.salesStartAt === null ? null : new Date(outcome.salesStartAt),
            sales_end_at: outcome.salesEndAt === null ? null : new Date(outcome.salesEndAt),
            at: new Date(outcome.at),
          },
        );
    }
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
    if (!tier) throw noTier(tierId);
    if (tier.eventCancelled) throw eventCancelled();
    return tier;
  }
}
