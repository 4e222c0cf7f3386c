import { randomUUID } from 'node:crypto';
import type { DataSource, EntityManager } from 'typeorm';
import {
  Facts,
  changeAndEnqueue,
  enqueue,
  hydrate,
  isUniqueViolation,
  rows,
  type TicketsSoldFact,
  type Viewer,
} from '@ko/platform';
import { Order } from './entities/order';
import type { TicketTier } from './entities/ticket-tier';
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
