import { Pool } from 'pg';
import type { OrderPlacedFact } from '@ko/platform/facts';

/**
 * How long a "sending" record is left to the invocation that wrote it: longer than one SMTP
 * exchange can take (the transport's timeouts), shorter than the event source's retries last.
 */
export const SENDING_LEASE_SECONDS = 45;

/** One holder of an event's orders, as the mail function recorded them. */
export interface Holder {
  orderId: string;
  userId: string;
  email: string;
  name: string | null;
  orderNumber: string;
  tierName: string;
  quantity: number;
  totalCents: number;
}

/**
 * The mail function's records in its `mail` database (migrations in ./migrations, run by the
 * event source). One small pool per sandbox (worker thread), made at first use.
 */
export class MailStore {
  private readonly pool: Pool;

  constructor(url: string) {
    this.pool = new Pool({ connectionString: url, max: 2, idleTimeoutMillis: 10_000 });
    this.pool.on('error', () => undefined);
  }

  /**
   * Claims (fact, recipient) before sending. The row is written "sending" first: a fact seen
   * again finds it "sent" (or "failed") and answers `done`. A row "sending" for less than
   * SENDING_LEASE_SECONDS belongs to an invocation still at work (a batch redelivered while the
   * first is running): `busy`, and the caller's batch is retried later. An older "sending" row
   * means an attempt died between its SMTP call and its record: that one is taken over and sent
   * again (with the same Message-ID), the one duplicate left, see ARCHITECTURE.md. The primary
   * key and the conditional upsert decide between two claimants.
   */
  async claim(
    factId: string,
    recipient: string,
    kind: string,
    messageId: string,
  ): Promise<'claimed' | 'done' | 'busy'> {
    const { rows } = await this.pool.query<{ status: string }>(
      `INSERT INTO sent_mail (fact_id, recipient, kind, status, message_id)
       VALUES ($1, $2, $3, 'sending', $4)
       ON CONFLICT (fact_id, recipient) DO UPDATE
         SET attempts = sent_mail.attempts + 1, updated_at = now()
         WHERE sent_mail.status = 'sending'
           AND sent_mail.updated_at < now() - make_interval(secs => $5)
       RETURNING status`,
      [factId, recipient, kind, messageId, SENDING_LEASE_SECONDS],
    );
    if (rows.length > 0) return 'claimed';
    const { rows: current } = await this.pool.query<{ status: string }>(
      'SELECT status FROM sent_mail WHERE fact_id = $1 AND recipient = $2',
      [factId, recipient],
    );
    return current[0]?.status === 'sending' ? 'busy' : 'done';
  }

  async markSent(factId: string, recipient: string): Promise<void> {
    await this.pool.query(
      `UPDATE sent_mail SET status = 'sent', error = NULL, updated_at = now() WHERE fact_id = $1 AND recipient = $2`,
      [factId, recipient],
    );
  }

  async markFailed(factId: string, recipient: string, error: string): Promise<void> {
    await this.pool.query(
      `UPDATE sent_mail SET status = 'failed', error = $3, updated_at = now() WHERE fact_id = $1 AND recipient = $2`,
      [factId, recipient, error.slice(0, 2_000)],
    );
  }

  /** Records an order's holder (a redelivered fact changes nothing). */
  async recordOrder(order: OrderPlacedFact): Promise<void> {
    await this.pool.query(
      `INSERT INTO ticket_holders (order_id, event_id, user_id, email, name, order_number, tier_name, quantity, total_cents)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (order_id) DO NOTHING`,
      [
        order.orderId,
        order.eventId,
        order.userId,
        order.buyerEmail ?? null,
        order.buyerName ?? null,
        order.number,
        order.tierName,
        order.quantity,
        order.totalCents,
      ],
    );
  }

  async markOrderCancelled(orderId: string): Promise<void> {
    await this.pool.query('UPDATE ticket_holders SET cancelled = true WHERE order_id = $1', [
      orderId,
    ]);
  }

  /**
   * The event's holders with an address. `includeCancelled`: an event's cancellation is read
   * after (or before) its orders' cancellations, and must reach every holder either way.
   */
  async holders(eventId: string, includeCancelled: boolean): Promise<Holder[]> {
    const { rows } = await this.pool.query<{
      order_id: string;
      user_id: string;
      email: string;
      name: string | null;
      order_number: string;
      tier_name: string;
      quantity: number;
      total_cents: string;
    }>(
      `SELECT order_id, user_id, email, name, order_number, tier_name, quantity, total_cents
       FROM ticket_holders WHERE event_id = $1 AND email IS NOT NULL AND ($2 OR NOT cancelled)
       ORDER BY order_id`,
      [eventId, includeCancelled],
    );
    return rows.map((r) => ({
      orderId: r.order_id,
      userId: r.user_id,
      email: r.email,
      name: r.name,
      orderNumber: r.order_number,
      tierName: r.tier_name,
      quantity: r.quantity,
      totalCents: Number(r.total_cents),
    }));
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}
