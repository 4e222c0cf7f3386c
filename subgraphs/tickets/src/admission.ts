import type { EntityManager } from 'typeorm';
import { DomainError, rows } from '@ko/platform';

/**
 * The waiting room's gate on the selling path: while an event's room is on, only fans it
 * admitted (and whose admission is still running) may hold or buy its tickets.
 */

/**
 * QUEUE_REQUIRED unless the fan may buy now. Checked inside the sale's transaction after the
 * fan's lock, so a fan's sales are serialized against their own admission being used.
 */
export async function requireAdmission(
  manager: EntityManager,
  fanId: string,
  eventId: string,
): Promise<void> {
  const [gate] = await rows<{
    enabled: boolean;
    ticket_id: string | null;
    status: string | null;
    admitted: boolean;
  }>(
    manager,
    `SELECT r.enabled, q.id AS ticket_id, q.status,
            coalesce(q.status = 'ADMITTED' AND q.admitted_until > statement_timestamp(), false) AS admitted
     FROM waiting_rooms r LEFT JOIN queue_tickets q ON q.event_id = r.event_id AND q.user_id = $2
     WHERE r.event_id = $1`,
    [eventId, fanId],
  );
  if (!gate?.enabled || gate.admitted) return;
  const expired = gate.status === 'ADMITTED' || gate.status === 'EXPIRED';
  throw new DomainError(
    'QUEUE_REQUIRED',
    expired
      ? 'Your turn in the waiting room has ended; join the waiting room again.'
      : 'This sale has a waiting room: join it (joinWaitingRoom) and buy when you are admitted.',
    { eventId, queueTicketId: gate.ticket_id, status: expired ? 'EXPIRED' : gate.status },
  );
}

/** The fan bought: their turn is used, so the waiting room admits the next fan in their place. */
export async function admissionUsed(
  manager: EntityManager,
  fanId: string,
  eventId: string,
): Promise<void> {
  await manager.query(
    `UPDATE queue_tickets SET done_at = now()
     WHERE event_id = $1 AND user_id = $2 AND status = 'ADMITTED' AND done_at IS NULL`,
    [eventId, fanId],
  );
}
