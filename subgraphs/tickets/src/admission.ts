import type { EntityManager } from 'typeorm';
import { DomainError, rows } from '@ko/platform';

/**
 * The waiting room's gate on the selling path: while an event's room is on, only fans it
 * admitted (and whose admission is still running) may hold or buy its tickets.
 */

/**
 * QUEUE_REQUIRED unless the fan may buy now. Checked inside the sale's transaction after the
 * fan's lock, so a fan's sales are serialized against their own admission being used. The gate
 * is the SQL function `tickets_admission` (the one-step purchase reads it in its own statement).
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
  }>(manager, 'SELECT * FROM tickets_admission($1, $2)', [eventId, fanId]);
  if (!gate?.enabled || gate.admitted) return;
  throw queueRequired(eventId, gate.ticket_id, gate.status);
}

/** QUEUE_REQUIRED for a fan the room has not admitted (or whose turn ran out). */
export function queueRequired(
  eventId: string,
  ticketId: string | null,
  status: string | null,
): DomainError {
  const expired = status === 'ADMITTED' || status === 'EXPIRED';
  return new DomainError(
    'QUEUE_REQUIRED',
    expired
      ? 'Your turn in the waiting room has ended; join the waiting room again.'
      : 'This sale has a waiting room: join it (joinWaitingRoom) and buy when you are admitted.',
    { eventId, queueTicketId: ticketId, status: expired ? 'EXPIRED' : status },
  );
}

/** The fan bought: their turn is used, so the waiting room admits the next fan in their place. */
export async function admissionUsed(
  manager: EntityManager,
  fanId: string,
  eventId: string,
): Promise<void> {
  await manager.query('SELECT tickets_admission_used($1, $2)', [eventId, fanId]);
}
