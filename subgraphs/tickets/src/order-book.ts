import { randomUUID } from 'node:crypto';
import type { DataSource, EntityManager } from 'typeorm';
import {
  Facts,
  changeAndEnqueue,
  enqueue,
  hydrate,
  isUniqueViolation,
  pendingFact,
  rows,
  type EventStatus,
  type OrderPlacedFact,
  type TicketsSoldFact,
  type Viewer,
} from '@ko/platform';
import { Order } from './entities/order';
import { Ticket } from './entities/ticket';
import type { TicketTier } from './entities/ticket-tier';
import { ConcurrencyLimit } from '@ko/platform/concurrency-limit';
import { sameRequest } from './sale-terms';
import type { TicketSigner } from './ticket-codes';
import { orderNumber } from './wallet';

/** One sale to write: who buys how many of which tier, from which hold, under which key. */
export interface Sale {
  fan: string;
  /** The buyer's token: its address and name go into the receipt's fact. */
  buyer?: Viewer;
  tier: TicketTier;
  quantity: number;
  holdId: string | null;
  key: string;
  fingerprint: string;
}

/** A one-step purchase, for `tickets_purchase` (see its migration): checks and sale in one statement. */
export interface Purchase {
  buyer: Viewer;
  tierId: string;
  /** The tier's event (a tier never moves): its tickets' codes are signed for it before the call. */
  eventId: string;
  quantity: number;
  key: string;
  fingerprint: string;
  /** The event was just found on sale by the events service: skip the local projection. */
  stateChecked: boolean;
  eventLimit: number;
  attempts: { key: string; attempts: number; windowMs: number; nowMs: number };
}

/** What `tickets_purchase` answered: a sale, a replay, or the first refusal, with what it needs. */
export type PurchaseOutcome =
  | { outcome: 'sold'; order: Order; tickets: Ticket[] }
  | { outcome: 'replay'; order: Order }
  | { outcome: 'noTier' }
  | { outcome: 'cancelled' }
  | { outcome: 'eventState'; status: EventStatus | null }
  | { outcome: 'rateLimited'; expire: number }
  | { outcome: 'soldOut'; name: string; available: number }
  | { outcome: 'queueRequired'; eventId: string; ticketId: string | null; status: string | null }
  | { outcome: 'limit'; taken: number }
  | {
      outcome: 'refused';
      name: string;
      available: number;
      eventCancelled: boolean;
      inWindow: boolean;
      salesStartAt: string | null;
      salesEndAt: string | null;
      at: string;
    };

type Raw = {
  outcome: string;
  order?: Record<string, unknown>;
  tickets?: Array<Record<string, unknown>>;
};

/**
 * Orders and their tickets, and the one writer of the `tickets.sold` fact: a sale is written as
 * its order, its signed tickets, then the tier's change and the fact in one statement, so the
 * tier's row lock (for which every buyer of the tier queues) is held for that statement and
 * the commit only.
 */
export class OrderBook {
  constructor(
    private readonly db: DataSource,
    private readonly signer: TicketSigner,
    private readonly onCommitted: () => void = () => undefined,
    private readonly gate = new ConcurrencyLimit(8),
  ) {}

  async byKey(manager: EntityManager, userId: string, key: string): Promise<Order | null> {
    const [row] = await rows(
      manager,
      'SELECT * FROM orders WHERE user_id = $1 AND idempotency_key = $2',
      [userId, key],
    );
    return row ? hydrate(manager, Order, row) : null;
  }

  /**
   * Runs an order-writing transaction. Two requests with one key that did not meet on the
   * same lock collide on the unique (user, key) index instead: the loser reads the winner's order.
   */
  async commit<T>(
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
        const winner = await this.byKey(this.db.manager, userId, key);
        if (winner) return sameRequest(winner, fingerprint);
      }
      throw error;
    }
  }

  /**
   * Writes `sale`: its order and tickets, then `placesChange` on the tier (a conditional UPDATE
   * of `ticket_tiers` returning the row) with the `tickets.sold` fact. Null when the change
   * matched no row: nothing was sold, and the caller must refuse (rolling the order back).
   */
  async record(
    manager: EntityManager,
    sale: Sale,
    placesChange: { sql: string; params: unknown[] },
  ): Promise<Order | null> {
    const { order, tickets } = await this.insertOrder(manager, sale);
    const { tier, quantity } = sale;
    const [changed] = await changeAndEnqueue<
      Record<string, unknown>,
      TicketsSoldFact,
      'sold' | 'available' | 'capacity'
    >(
      manager,
      placesChange,
      Facts.ticketsSold,
      {
        eventId: tier.eventId,
        tierId: tier.id,
        tierName: tier.name,
        orderId: order.id,
        quantity,
        soldAt: order.createdAt.toISOString(),
      },
      {
        sold: 'changed.sold',
        available: 'changed.capacity - changed.sold - changed.held',
        capacity: 'changed.capacity',
      },
    );
    if (!changed) return null;
    // The receipt's facts (the mail function sends it from this, never from the request).
    await enqueue(manager, Facts.orderPlaced, {
      orderId: order.id,
      number: orderNumber(order.id),
      eventId: tier.eventId,
      tierId: tier.id,
      tierName: tier.name,
      userId: sale.fan,
      buyerEmail: sale.buyer?.email,
      buyerName: sale.buyer?.name,
      quantity,
      totalCents: order.totalCents,
      tickets,
      placedAt: order.createdAt.toISOString(),
    });
    return order;
  }

  /**
   * Sells at once (see `tickets_purchase`): one round trip, committed. The order's id and its
   * tickets' signed codes, and both facts' envelopes, are made here first; a refusal wastes them.
   */
  async purchase(sale: Purchase): Promise<PurchaseOutcome> {
    const { buyer, tierId, eventId, quantity } = sale;
    const orderId = randomUUID();
    const ids = Array.from({ length: quantity }, () => randomUUID());
    const codes = ids.map((id) => this.signer.sign(id, eventId));
    const sold = pendingFact<
      TicketsSoldFact,
      'tierName' | 'soldAt' | 'sold' | 'available' | 'capacity'
    >(Facts.ticketsSold, { eventId, tierId, orderId, quantity });
    // The receipt's facts (the mail function sends it from this, never from the request).
    const placed = pendingFact<OrderPlacedFact, 'tierName' | 'totalCents' | 'placedAt'>(
      Facts.orderPlaced,
      {
        orderId,
        number: orderNumber(orderId),
        eventId,
        tierId,
        userId: buyer.id,
        buyerEmail: buyer.email,
        buyerName: buyer.name,
        quantity,
        tickets: ids.map((id, i) => ({ id, code: codes[i] })),
      },
    );
    const facts = {
      sold: sold.envelope,
      soldTopic: sold.topic,
      soldKey: sold.key,
      placed: placed.envelope,
      placedTopic: placed.topic,
      placedKey: placed.key,
    };
    const { attempts } = sale;
    let raw: Raw;
    try {
      [{ raw }] = await this.gate.run(() =>
        rows<{ raw: Raw }>(
          this.db.manager,
          'SELECT tickets_purchase($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15) AS raw',
          [
            buyer.id,
            sale.key,
            sale.fingerprint,
            tierId,
            quantity,
            sale.stateChecked,
            sale.eventLimit,
            attempts.key,
            attempts.attempts,
            attempts.windowMs,
            attempts.nowMs,
            orderId,
            ids,
            codes,
            JSON.stringify(facts),
          ],
        ),
      );
    } catch (error) {
      // Duplicates serialize on the fan's lock; should two ever miss it, the unique key decides.
      if (!isUniqueViolation(error, 'orders_idempotency')) throw error;
      const winner = await this.byKey(this.db.manager, buyer.id, sale.key);
      if (!winner) throw error;
      return { outcome: 'replay', order: winner };
    }
    const { manager } = this.db;
    if (raw.outcome === 'sold') {
      this.onCommitted();
      const tickets = (raw.tickets ?? []).map((row) => hydrate(manager, Ticket, row));
      return { outcome: 'sold', order: hydrate(manager, Order, raw.order!), tickets };
    }
    if (raw.outcome === 'replay')
      return { outcome: 'replay', order: hydrate(manager, Order, raw.order!) };
    // The other outcomes are plain JSON, as built by the function.
    return raw as unknown as PurchaseOutcome;
  }

  /** The order and its signed tickets. `sale.tier` gives the ids and the price (locked: it only changes while nothing is sold or held). */
  private async insertOrder(
    manager: EntityManager,
    sale: Sale,
  ): Promise<{ order: Order; tickets: Array<{ id: string; code: string }> }> {
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
    const codes = ids.map((id) => this.signer.sign(id, tier.eventId));
    await manager.query(
      `INSERT INTO tickets (id, order_id, tier_id, event_id, owner_id, code)
       SELECT id, $2, $3, $4, $5, code FROM unnest($1::uuid[], $6::text[]) AS t(id, code)`,
      [ids, order.id, tier.id, tier.eventId, sale.fan, codes],
    );
    return { order, tickets: ids.map((id, i) => ({ id, code: codes[i] })) };
  }
}
