import type { DataSource } from 'typeorm';
import {
  DomainError,
  badInput,
  conflict,
  notFound,
  requireViewer,
  type EventDirectory,
  type Viewer,
} from '@ko/platform';
import { Ticket } from './entities/ticket';
import { hydrate, rows } from './sql';
import type { TicketSigner } from './ticket-codes';

/** Check-in at the door: the event's organizer scans a code; each ticket gets in once. */
export class Door {
  constructor(
    private readonly db: DataSource,
    private readonly signer: TicketSigner,
    private readonly events: EventDirectory,
  ) {}

  async checkIn(
    viewer: Viewer | null,
    code: string,
    authorization: string | undefined,
  ): Promise<Ticket> {
    const scanner = requireViewer(viewer);
    // The signature first: a forged code costs no lookup and reveals nothing.
    const claim = this.signer.verify(code);
    if (!claim)
      throw badInput('This is not a valid ticket code: its signature does not verify.', {
        field: 'code',
        reason: 'INVALID_SIGNATURE',
      });
    const event = await this.events.find(claim.eventId, authorization);
    if (!event) throw notFound('Event', claim.eventId);
    if (event.organizerId !== scanner.id)
      throw new DomainError('FORBIDDEN', 'Only the organizer of this event can check tickets in.');

    const [used] = await rows(
      this.db.manager,
      `UPDATE tickets SET status = 'USED', used_at = now()
       WHERE id = $1 AND event_id = $2 AND code = $3 AND status = 'VALID' RETURNING *`,
      [claim.ticketId, claim.eventId, code.trim()],
    );
    if (used) return hydrate(this.db.manager, Ticket, used);
    const ticket = await this.db.getRepository(Ticket).findOneBy({ id: claim.ticketId });
    if (!ticket || ticket.eventId !== claim.eventId) throw notFound('Ticket', claim.ticketId);
    if (ticket.status === 'USED') {
      throw conflict(`This ticket was already checked in at ${ticket.usedAt?.toISOString()}.`, {
        reason: 'ALREADY_USED',
        usedAt: ticket.usedAt?.toISOString(),
      });
    }
    throw conflict('This ticket was cancelled (its event was cancelled).', { reason: 'CANCELLED' });
  }
}
