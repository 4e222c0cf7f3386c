import { createHash, randomUUID } from 'node:crypto';
import type { DataSource, EntityManager } from 'typeorm';
import {
  DomainError,
  Topics,
  badInput,
  changeAndEnqueue,
  conflict,
  enqueue,
  isUuid,
  notFound,
  requireViewer,
  type Viewer,
} from '@ko/platform';
import { Hold } from './entities/hold';
import { Order } from './entities/order';
import { TicketTier } from './entities/ticket-tier';
import type { EventStates } from './event-states';
import type { PurchaseThrottle } from './purchase-throttle';
import { hydrate, isUniqueViolation, rows } from './sql';
import type { TicketSigner } from './ticket-codes';

export interface BoxOfficeOptions {
  holdTtlSeconds: number;
  perFanEventLimit: number;
}

/** The `tickets.sold` fact (version 1): the tier's totals right after the sale, for the live sales feed. */
export interface TicketsSoldFact {
  eventId: string;
  tierId: string;
  tierName: string;
  orderId: string;
  quantity: number;
  sold: number;
  available: number;
  capacity: number;
  soldAt: string;
}

export const MAX_IDEMPOTENCY_KEY = 200;

/** One sale to write: who buys how many of which tier, from which hold, under which key. */
interface Sale {
  fan: string;
  tier: TicketTier;
  quantity: number;
  holdId: string | null;
  key: string;
  fingerprint: string;
}

/** What a request asked, hashed: stored with its order so a reused key can be told apart. */
const fingerprintOf = (...parts: Array<string | number>) =>
  createHash('sha256').update(JSON.stringify(parts)).digest('base64url');

function checkKey(key: string): string {
  if (key.length < 1 || key.length > MAX_IDEMPOTENCY_KEY) {
    throw badInput(`The idempotency key must be 1 to ${MAX_IDEMPOTENCY_KEY} characters long.`, {
      field: 'idempotencyKey',
    });
  }
  return key;
}

/** The `tickets.sold` fact of an order, all but the tier's totals after the sale. */
const soldFact = (tier: TicketTier, order: Order, quantity: number) => ({
  topic: Topics.ticketsSold,
  key: tier.eventId,
  type: 'tickets.sold',
  version: 1,
  data: {
    eventId: tier.eventId,
    tierId: tier.id,
    tierName: tier.name,
    orderId: order.id,
    quantity,
    soldAt: order.createdAt.toISOString(),
  },
});

/** Takes places from a tier ($1) if enough ($2) are left and its event is not cancelled. */
const takeStatement = (as: 'sold' | 'held') =>
  `UPDATE ticket_tiers SET ${as} = ${as} + $2
   WHERE id = $1 AND NOT event_cancelled AND capacity - sold - held >= $2 RETURNING *`;

/** SOLD_OUT, saying how many places are left. */
const soldOut = (tier: TicketTier, available: number) =>
  new DomainError(
    'SOLD_OUT',
    available === 0
      ? `${tier.name} is sold out.`
      : `Only ${available} ${tier.name} tickets are left.`,
    { tierId: tier.id, available },
  );

/** The order already made under a key: returned for the same request, a CONFLICT for another. */
function sameRequest(order: Order, fingerprint: string): Order {
  if (order.requestFingerprint !== fingerprint) {
    throw conflict(
      'This idempotency key was already used for a different request; use a new key for a new purchase.',
      {
        field: 'idempotencyKey',
        orderId: order.id,
      },
    );
  }
  return order;
}

/**
 * Selling: holds, checkout and one-step purchases. Every change to a tier's counts is one
 * conditional UPDATE (`... WHERE capacity - sold - held >= quantity`) in the same transaction
 * as the rows it pays for and the outbox fact: the database decides, so there is no
 * check-then-write race and no way to oversell or lose a place.
 */
export class BoxOffice {
  constructor(
    private readonly db: DataSource,
    private readonly states: EventStates,
    private readonly signer: TicketSigner,
    private readonly options: BoxOfficeOptions,
    private readonly throttle: Pick<PurchaseThrottle, 'take' | 'giveBack'>,
    private readonly onCommitted: () => void = () => undefined,
  ) {}

  async reserve(
    viewer: Viewer | null,
    input: { tierId: string; quantity: number },
    authorization: string | undefined,
  ): Promise<Hold> {
    const fan = requireViewer(viewer);
    const quantity = this.checkQuantity(input.quantity);
    const tier = await this.tierForSale(input.tierId);
    await this.states.assertOnSale(tier.eventId, authorization);
    await this.throttle.take(fan.id);
    return this.db.transaction(async (manager) => {
      await this.lockFan(manager, fan.id, tier.eventId);
      await this.checkLimit(manager, fan.id, tier.eventId, quantity);
      await this.take(manager, tier, quantity, 'held');
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
    const quantity = this.checkQuantity(input.quantity);
    const fingerprint = fingerprintOf('purchase', input.tierId, quantity);
    const earlier = await this.orderByKey(this.db.manager, fan.id, key);
    if (earlier) return sameRequest(earlier, fingerprint);
    const tier = await this.tierForSale(input.tierId);
    await this.states.assertOnSale(tier.eventId, authorization);
    await this.throttle.take(fan.id);
    // Sold out when it was read a moment ago: places only come back by a hold expiring, so say
    // so now rather than open a transaction that would queue for the tier's row to learn it.
    if (tier.available < quantity) throw soldOut(tier, tier.available);
    let created = false;
    const order = await this.commitOrder(fan.id, key, fingerprint, async (manager) => {
      // Duplicates of one request serialize on this lock, so the later ones find the order here.
      await this.lockFan(manager, fan.id, tier.eventId);
      const winner = await this.orderByKey(manager, fan.id, key);
      if (winner) return sameRequest(winner, fingerprint);
      await this.checkLimit(manager, fan.id, tier.eventId, quantity);
      // The order and its tickets first, the places last: every buyer of the tier queues for its
      // row lock, which the UPDATE takes and the commit releases, so it is held for the UPDATE,
      // the outbox fact and the commit only. A sold-out UPDATE rolls the order back.
      const made = await this.insertOrder(manager, {
        fan: fan.id,
        tier,
        quantity,
        holdId: null,
        key,
        fingerprint,
      });
      await this.sell(manager, tier, quantity, made);
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
    const earlier = await this.orderByKey(this.db.manager, fan.id, key);
    if (earlier) return sameRequest(earlier, fingerprint);
    await this.throttle.take(fan.id);
    let created = false;
    const outcome = await this.commitOrder(fan.id, key, fingerprint, async (manager) => {
      // The hold's row lock serializes checkouts of it; holds are locked before tiers everywhere.
      const [row] = await rows<Record<string, unknown> & { expired: boolean }>(
        manager,
        'SELECT *, expires_at <= now() AS expired FROM holds WHERE id = $1 FOR UPDATE',
        [holdId],
      );
      const hold = row && hydrate(manager, Hold, row);
      if (!hold || hold.userId !== fan.id) throw notFound('Hold', holdId);
      const winner = await this.orderByKey(manager, fan.id, key);
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
      if (hold.status === 'RELEASED')
        throw new DomainError(
          'CONFLICT',
          'This event was cancelled; its tickets are no longer sold.',
        );
      if (hold.status === 'EXPIRED' || row.expired) {
        // Give the places back now rather than waiting for the sweeper, and say so after commit.
        if (hold.status === 'ACTIVE') await this.releaseExpired(manager, hold);
        return { expired: hold };
      }
      const [tierRow] = await rows(
        manager,
        `UPDATE ticket_tiers SET held = held - $2, sold = sold + $2 WHERE id = $1 AND NOT event_cancelled RETURNING *`,
        [hold.tierId, hold.quantity],
      );
      if (!tierRow)
        throw new DomainError(
          'CONFLICT',
          'This event was cancelled; its tickets are no longer sold.',
        );
      await manager.query(`UPDATE holds SET status = 'CHECKED_OUT' WHERE id = $1`, [hold.id]);
      const made = await this.writeOrder(manager, {
        fan: fan.id,
        tier: hydrate(manager, TicketTier, tierRow),
        quantity: hold.quantity,
        holdId: hold.id,
        key,
        fingerprint,
      });
      created = true;
      return made;
    });
    if ('expired' in outcome) {
      throw new DomainError(
        'HOLD_EXPIRED',
        'This hold has expired and its tickets went back on sale; reserve again.',
        {
          holdId: outcome.expired.id,
          expiredAt: outcome.expired.expiresAt.toISOString(),
        },
      );
    }
    if (!created) await this.throttle.giveBack(fan.id);
    return outcome;
  }

  /**
   * Runs an order-writing transaction. Two requests with one key that did not meet on the
   * same lock (say, different events) collide on the unique (user, key) index instead: the
   * loser reads the winner's order.
   */
  private async commitOrder<T extends Order | { expired: Hold }>(
    userId: string,
    key: string,
    fingerprint: string,
    work: (manager: EntityManager) => Promise<T>,
  ): Promise<T | Order> {
    try {
      const result = await this.db.transaction(work);
      this.onCommitted();
      return result;
    } catch (error) {
      if (isUniqueViolation(error, 'orders_idempotency')) {
        const winner = await this.orderByKey(this.db.manager, userId, key);
        if (winner) return sameRequest(winner, fingerprint);
      }
      throw error;
    }
  }

  private checkQuantity(quantity: number): number {
    const limit = this.options.perFanEventLimit;
    if (!Number.isInteger(quantity) || quantity < 1 || quantity > limit) {
      throw badInput(`Choose 1 to ${limit} tickets.`, { field: 'quantity', limit });
    }
    return quantity;
  }

  private async tierForSale(tierId: string): Promise<TicketTier> {
    const tier = isUuid(tierId)
      ? await this.db.getRepository(TicketTier).findOneBy({ id: tierId })
      : null;
    if (!tier) throw badInput(`There is no ticket tier ${tierId}.`, { field: 'tierId' });
    if (tier.eventCancelled)
      throw new DomainError(
        'CONFLICT',
        'This event was cancelled; its tickets are no longer sold.',
        { eventStatus: 'CANCELLED' },
      );
    return tier;
  }

  /** One buyer's requests for one event run one at a time, so the per-fan count cannot race. */
  private async lockFan(manager: EntityManager, userId: string, eventId: string): Promise<void> {
    await manager.query(
      `SELECT pg_advisory_xact_lock(hashtext('tickets.fan'), hashtext($1 || ':' || $2))`,
      [userId, eventId],
    );
  }

  private async checkLimit(
    manager: EntityManager,
    userId: string,
    eventId: string,
    quantity: number,
  ): Promise<void> {
    const [{ taken }] = await rows<{ taken: number }>(
      manager,
      `SELECT (SELECT count(*) FROM tickets WHERE owner_id = $1 AND event_id = $2 AND status <> 'CANCELLED')::int
            + (SELECT coalesce(sum(quantity), 0) FROM holds WHERE user_id = $1 AND event_id = $2 AND status = 'ACTIVE' AND expires_at > now())::int AS taken`,
      [userId, eventId],
    );
    const limit = this.options.perFanEventLimit;
    if (taken + quantity > limit) {
      throw badInput(
        `You can have at most ${limit} tickets for this event and already have or hold ${taken}.`,
        {
          field: 'quantity',
          limit,
          alreadyTaken: taken,
        },
      );
    }
  }

  /** The one conditional UPDATE that takes places from a tier; SOLD_OUT says how many are left. */
  private async take(
    manager: EntityManager,
    tier: TicketTier,
    quantity: number,
    as: 'sold' | 'held',
  ): Promise<TicketTier> {
    const [row] = await rows(manager, takeStatement(as), [tier.id, quantity]);
    if (row) return hydrate(manager, TicketTier, row);
    return this.refuse(manager, tier);
  }

  /**
   * A purchase's places, taken with its `tickets.sold` fact in one statement: the tier's row lock,
   * for which every buyer of the tier queues, is held for that statement and the commit only.
   */
  private async sell(
    manager: EntityManager,
    tier: TicketTier,
    quantity: number,
    order: Order,
  ): Promise<void> {
    const [row] = await changeAndEnqueue<Record<string, unknown>, TicketsSoldFact>(
      manager,
      { sql: takeStatement('sold'), params: [tier.id, quantity] },
      soldFact(tier, order, quantity),
      {
        sold: 'changed.sold',
        available: 'changed.capacity - changed.sold - changed.held',
        capacity: 'changed.capacity',
      },
    );
    if (!row) await this.refuse(manager, tier);
  }

  /** Why a tier could not give the places asked for: its event was cancelled, or too few are left. */
  private async refuse(manager: EntityManager, tier: TicketTier): Promise<never> {
    const [now] = await rows<{ available: number; event_cancelled: boolean }>(
      manager,
      'SELECT capacity - sold - held AS available, event_cancelled FROM ticket_tiers WHERE id = $1',
      [tier.id],
    );
    if (now.event_cancelled)
      throw new DomainError(
        'CONFLICT',
        'This event was cancelled; its tickets are no longer sold.',
        { eventStatus: 'CANCELLED' },
      );
    throw soldOut(tier, now.available);
  }

  private async releaseExpired(manager: EntityManager, hold: Hold): Promise<void> {
    await manager.query(`UPDATE holds SET status = 'EXPIRED' WHERE id = $1`, [hold.id]);
    await manager.query('UPDATE ticket_tiers SET held = held - $2 WHERE id = $1', [
      hold.tierId,
      hold.quantity,
    ]);
  }

  private async writeOrder(manager: EntityManager, sale: Sale): Promise<Order> {
    const order = await this.insertOrder(manager, sale);
    await this.announceSale(manager, sale.tier, order, sale.quantity);
    return order;
  }

  /** The order and its signed tickets. `sale.tier` gives the ids and the price (never changed). */
  private async insertOrder(manager: EntityManager, sale: Sale): Promise<Order> {
    const { tier } = sale;
    const [row] = await rows(
      manager,
      `INSERT INTO orders (user_id, event_id, tier_id, hold_id, quantity, total_cents, idempotency_key, request_fingerprint)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING *`,
      [
        sale.fan,
        tier.eventId,
        tier.id,
        sale.holdId,
        sale.quantity,
        tier.priceCents * sale.quantity,
        sale.key,
        sale.fingerprint,
      ],
    );
    const order = hydrate(manager, Order, row);
    const ids = Array.from({ length: sale.quantity }, () => randomUUID());
    await manager.query(
      `INSERT INTO tickets (id, order_id, tier_id, event_id, owner_id, code)
       SELECT id, $2, $3, $4, $5, code FROM unnest($1::uuid[], $6::text[]) AS t(id, code)`,
      [
        ids,
        order.id,
        tier.id,
        tier.eventId,
        sale.fan,
        ids.map((id) => this.signer.sign(id, tier.eventId)),
      ],
    );
    return order;
  }

  /** The `tickets.sold` fact, with `tier` as the sale left it. */
  private async announceSale(
    manager: EntityManager,
    tier: TicketTier,
    order: Order,
    quantity: number,
  ): Promise<void> {
    const fact = soldFact(tier, order, quantity);
    await enqueue<TicketsSoldFact>(manager, {
      ...fact,
      data: { ...fact.data, sold: tier.sold, available: tier.available, capacity: tier.capacity },
    });
  }

  private async orderByKey(
    manager: EntityManager,
    userId: string,
    key: string,
  ): Promise<Order | null> {
    const [row] = await rows(
      manager,
      'SELECT * FROM orders WHERE user_id = $1 AND idempotency_key = $2',
      [userId, key],
    );
    return row ? hydrate(manager, Order, row) : null;
  }
}
