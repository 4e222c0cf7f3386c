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
import type { TicketClaim, TicketSigner } from './ticket-codes';

/** Check-in scans many tickets of one event in a row: they may share an answer this old. */
const EVENT_ANSWER_MAX_AGE_MS = 3_000;

/** Scans per `checkInTickets` call: a door's offline queue syncs in batches of this. */
export const MAX_SCANS_PER_BATCH = 100;

export type ScanOutcome = 'VALID' | 'ALREADY_USED' | 'INVALID';

export interface Scan {
  code: string;
  scannedAt: Date;
}

export interface ScanResult {
  code: string;
  outcome: ScanOutcome;
  /** When the ticket was first checked in (the earliest scan known), for VALID and ALREADY_USED. */
  firstScannedAt: Date | null;
}

/** How one scan went, with the ticket when the code named one. */
interface Checked {
  outcome: ScanOutcome;
  ticket: Ticket | null;
  reason?: 'FORGED' | 'NOT_FOUND' | 'CANCELLED';
}

const forged = () =>
  badInput('This is not a valid ticket code: it is forged (its signature does not verify).', {
    field: 'code',
    reason: 'INVALID_SIGNATURE',
  });

/**
 * Check-in at the door: the event's organizer scans codes; each ticket gets in once. Doors
 * that were offline send their scans later, in batches, with when each was made: the earliest
 * scan of a ticket is the one recorded, whatever order the doors sync in.
 */
export class Door {
  constructor(
    private readonly db: DataSource,
    private readonly signer: TicketSigner,
    private readonly states: Pick<EventStates, 'requireOrganizedBy'>,
  ) {}

  /** One code scanned now (`checkInTicket`): the ticket, or an error saying why not. */
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
    const [checked] = await this.record([{ claim, code: code.trim(), at: new Date() }]);
    if (checked.outcome === 'VALID') return checked.ticket!;
    if (checked.reason === 'NOT_FOUND') throw notFound('Ticket', claim.ticketId);
    // Signed by us but not the code this ticket was issued: nobody was given it.
    if (checked.reason === 'FORGED') throw forged();
    if (checked.reason === 'CANCELLED')
      throw conflict('This ticket was cancelled (its event was cancelled).', {
        reason: 'CANCELLED',
      });
    const usedAt = checked.ticket!.usedAt?.toISOString();
    throw conflict(`This ticket was already checked in at ${usedAt}.`, {
      reason: 'ALREADY_USED',
      usedAt,
    });
  }

  /**
   * A batch of scans (`checkInTickets`), in the order given. A code that is forged, unknown,
   * cancelled or for an event the scanner does not organize is INVALID: one bad code never
   * blocks the rest of a door's queue.
   */
  async checkInBatch(
    viewer: Viewer | null,
    scans: readonly Scan[],
    authorization: string | undefined,
  ): Promise<ScanResult[]> {
    const scanner = requireViewer(viewer);
    if (scans.length > MAX_SCANS_PER_BATCH)
      throw badInput(`Send at most ${MAX_SCANS_PER_BATCH} scans at a time.`, { field: 'scans' });
    const now = Date.now();
    const claims = scans.map((scan) => ({
      claim: this.signer.verify(scan.code),
      code: scan.code.trim(),
      // A device's clock may run ahead: a scan is never recorded later than when it arrives.
      at: new Date(Math.min(scan.scannedAt.getTime(), now)),
    }));
    const organized = new Set<string>();
    for (const eventId of new Set(claims.flatMap(({ claim }) => (claim ? [claim.eventId] : [])))) {
      const mine = await this.states
        .requireOrganizedBy(scanner, eventId, authorization, { maxAgeMs: EVENT_ANSWER_MAX_AGE_MS })
        .then(
          () => true,
          (error: unknown) => {
            const code = (error as { code?: string }).code;
            if (code === 'FORBIDDEN' || code === 'NOT_FOUND') return false;
            throw error;
          },
        );
      if (mine) organized.add(eventId);
    }
    const valid = claims.flatMap(({ claim, code, at }, index) =>
      claim && organized.has(claim.eventId) ? [{ claim, code, at, index }] : [],
    );
    const recorded = await this.record(valid);
    const byIndex = new Map(valid.map((scan, i) => [scan.index, recorded[i]]));
    return claims.map(({ code }, index): ScanResult => {
      const checked = byIndex.get(index);
      if (!checked || checked.outcome === 'INVALID')
        return { code, outcome: 'INVALID', firstScannedAt: null };
      return { code, outcome: checked.outcome, firstScannedAt: checked.ticket!.usedAt };
    });
  }

  /** Records scans whose signature verified, in two statements whatever their number. */
  private async record(
    scans: ReadonlyArray<{ claim: TicketClaim; code: string; at: Date }>,
  ): Promise<Checked[]> {
    if (!scans.length) return [];
    const ids = scans.map((s) => s.claim.ticketId);
    return this.db.transaction(async (manager) => {
      // Locks the tickets in id order first, so two doors' batches sharing tickets wait for each
      // other instead of deadlocking. Then one conditional UPDATE decides every scan: a ticket
      // takes a scan's time when it is still VALID or was recorded later than this scan (an
      // offline door syncing after another), so the earliest scan wins whatever the sync order.
      await manager.query(
        'SELECT id FROM tickets WHERE id = ANY($1::uuid[]) ORDER BY id FOR UPDATE',
        [ids],
      );
      await manager.query(
        `UPDATE tickets t SET status = 'USED', used_at = s.at
         FROM (SELECT DISTINCT ON (id) id, code, event_id, at
               FROM unnest($1::uuid[], $2::text[], $3::uuid[], $4::timestamptz[]) AS s (id, code, event_id, at)
               ORDER BY id, at) s
         WHERE t.id = s.id AND t.code = s.code AND t.event_id = s.event_id
           AND (t.status = 'VALID' OR (t.status = 'USED' AND t.used_at > s.at))`,
        [ids, scans.map((s) => s.code), scans.map((s) => s.claim.eventId), scans.map((s) => s.at)],
      );
      const found = await rows(manager, 'SELECT * FROM tickets WHERE id = ANY($1::uuid[])', [ids]);
      const tickets = new Map(
        found.map((row) => hydrate(manager, Ticket, row)).map((t) => [t.id, t] as const),
      );
      return scans.map(({ claim, code, at }): Checked => {
        const ticket = tickets.get(claim.ticketId);
        if (!ticket || ticket.eventId !== claim.eventId)
          return { outcome: 'INVALID', ticket: null, reason: 'NOT_FOUND' };
        if (ticket.code !== code) return { outcome: 'INVALID', ticket: null, reason: 'FORGED' };
        if (ticket.status === 'CANCELLED')
          return { outcome: 'INVALID', ticket, reason: 'CANCELLED' };
        // This scan is the recorded one (or a retry of it): VALID; any later scan was a second use.
        const first = ticket.usedAt?.getTime() === at.getTime();
        return { outcome: first ? 'VALID' : 'ALREADY_USED', ticket };
      });
    });
  }
}
