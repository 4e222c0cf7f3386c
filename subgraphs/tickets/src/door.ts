import type { DataSource } from 'typeorm';
import {
  badInput,
  conflict,
  hydrate,
  notFound,
  requireViewer,
  rows,
  type Viewer,
} from '@ko/platform';
import { Ticket } from './entities/ticket';
import type { EventStates } from './event-states';
import type { TicketSigner } from './ticket-codes';

/** Check-in scans many tickets of one event in a row: they may share an answer this old. */
const EVENT_ANSWER_MAX_AGE_MS = 3_000;

const forged = () =>
  badInput('This is not a valid ticket code: it is forged (its signature does not verify).', {
    field: 'code',
    reason: 'INVALID_SIGNATURE',
  });

/** Check-in at the door: the event's organizer scans a code; each ticket gets in once. */
export class Door {
  constructor(
    private readonly db: DataSource,
    private readonly signer: TicketSigner,
    private readonly states: Pick<EventStates, 'requireOrganizedBy'>,
  ) {}

  async checkIn(
    viewer: Viewer | null,
    code: string,
    authorization: string | undefined,
  ): Promise<Ticket> {
    const scanner = requireViewer(viewer);
    // The signature (and its one valid spelling) first: a forged code costs no lookup and
    // reveals nothing.
    const claim = this.signer.verify(code);
    if (!claim) throw forged();
    await this.states.requireOrganizedBy(scanner, claim.eventId, authorization, {
      maxAgeMs: EVENT_ANSWER_MAX_AGE_MS,
      forbidden: 'Only the organizer of this event can check tickets in.',
    });

    const [used] = await rows(
      this.db.manager,
      `UPDATE tickets SET status = 'USED', used_at = now()
       WHERE id = $1 AND event_id = $2 AND code = $3 AND status = 'VALID' RETURNING *`,
      [claim.ticketId, claim.eventId, code.trim()],
    );
    if (used) return hydrate(this.db.manager, Ticket, used);
    const ticket = await this.db.getRepository(Ticket).findOneBy({ id: claim.ticketId });
    if (!ticket || ticket.eventId !== claim.eventId) throw notFound('Ticket', claim.ticketId);
    // Signed by us but not the code this ticket was issued: nobody was given it.
    if (ticket.code !== code.trim()) throw forged();
    if (ticket.status === 'USED') {
      throw conflict(`This ticket was already checked in at ${ticket.usedAt?.toISOString()}.`, {
        reason: 'ALREADY_USED',
        usedAt: ticket.usedAt?.toISOString(),
      });
    }
    throw conflict('This ticket was cancelled (its event was cancelled).', { reason: 'CANCELLED' });
  }
}
