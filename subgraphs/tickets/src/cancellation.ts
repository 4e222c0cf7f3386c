import type { EntityManager } from 'typeorm';
import { Facts, enqueue, rows, safeInteger } from '@ko/platform';

/**
 * Ends an event's sales inside the caller's transaction: its holds are released, its tiers
 * closed, its orders and valid tickets cancelled, and an `orders.cancelled` fact written per
 * order (for refunds). Locks are taken holds first, then tiers, like the hold sweeper and
 * checkout, so they cannot deadlock with each other.
 */
export async function cancelEventSales(
  manager: EntityManager,
  eventId: string,
): Promise<{ orders: number; tickets: number }> {
  const released = await rows<{ tier_id: string; quantity: number }>(
    manager,
    `UPDATE holds SET status = 'RELEASED' WHERE event_id = $1 AND status = 'ACTIVE' RETURNING tier_id, quantity`,
    [eventId],
  );
  const releasedByTier = new Map<string, number>();
  for (const hold of released)
    releasedByTier.set(hold.tier_id, (releasedByTier.get(hold.tier_id) ?? 0) + hold.quantity);
  // The flag is what sales check under the tier's row lock: from here on nothing sells.
  // `held` drops by what was released here only; a hold that slipped in before this lock
  // stays counted until it expires (it can no longer be checked out).
  const tierIds = [...releasedByTier.keys()];
  await manager.query(
    `UPDATE ticket_tiers t SET event_cancelled = true,
       held = t.held - coalesce((SELECT r.quantity FROM unnest($2::uuid[], $3::int[]) AS r(tier_id, quantity) WHERE r.tier_id = t.id), 0)
     WHERE t.event_id = $1`,
    [eventId, tierIds, tierIds.map((id) => releasedByTier.get(id)!)],
  );
  const orders = await rows<{
    id: string;
    user_id: string;
    total_cents: string;
    cancelled_at: Date;
  }>(
    manager,
    `UPDATE orders SET status = 'CANCELLED', cancelled_at = now() WHERE event_id = $1 AND status = 'CONFIRMED'
     RETURNING id, user_id, total_cents, cancelled_at`,
    [eventId],
  );
  // Used tickets stay USED: they record who came in.
  const tickets = await rows(
    manager,
    `UPDATE tickets SET status = 'CANCELLED' WHERE event_id = $1 AND status = 'VALID' RETURNING id`,
    [eventId],
  );
  for (const order of orders) {
    await enqueue(manager, Facts.orderCancelled, {
      orderId: order.id,
      eventId,
      userId: order.user_id,
      totalCents: safeInteger(order.total_cents),
      reason: Facts.eventCancelled.type,
      cancelledAt: order.cancelled_at.toISOString(),
    });
  }
  return { orders: orders.length, tickets: tickets.length };
}
