import type { DataSource, EntityManager } from 'typeorm';
import {
  Facts,
  conflict,
  enqueue,
  isUniqueViolation,
  isUuid,
  notFound,
  requireOrganizer,
  requireViewer,
  rows,
  type Viewer,
} from '@ko/platform';
import type { EventStates } from './event-states';
import type { Draw } from './lottery';
import {
  presentTicket,
  readRoomHeads,
  readRooms,
  SALE_STARTS_AT,
  type QueueTicketRow,
  type QueueTicketView,
  type RoomState,
} from './queue-views';
import { eventCancelled } from './sale-refusals';

/** What a join reads of its room, under the room's shared lock. */
interface DrawState {
  shuffled: boolean;
  soldOut: boolean;
  askedBeforeStart: boolean;
  /** How many places the draw dealt. */
  drawn: number;
  admittedThrough: number;
}

export interface WaitingRoomSettings {
  enabled: boolean;
  opensAt?: Date | null;
}

/**
 * An event's waiting room, fan side and organizer side. Fans who ask to join between its opening
 * and the sale's start get their places at random when the sale starts (QueueAdmitter shuffles
 * them, and a join that comes after the shuffle is drawn in then); later fans queue behind in
 * the order they came. All of it is rows, not memory.
 */
export class WaitingRoom {
  constructor(
    private readonly db: DataSource,
    private readonly states: EventStates,
    /** Deals the places of fans drawn in after the shuffle: the admitter's draw (lottery.ts). */
    private readonly draw: Draw,
    private readonly onChanged: () => void = () => undefined,
  ) {}

  /** Switches an event's room on or off (its organizer only); the room's places are kept. */
  async set(
    viewer: Viewer | null,
    eventId: string,
    settings: WaitingRoomSettings,
    authorization: string | undefined,
  ): Promise<{ id: string }> {
    const organizer = requireOrganizer(viewer);
    if (!isUuid(eventId)) throw notFound('Event', eventId);
    const event = await this.states.requireOrganizedBy(organizer, eventId, authorization, {
      forbidden: 'Only the organizer of this event can set its waiting room.',
    });
    if (event.status === 'CANCELLED') throw eventCancelled();
    await this.db.transaction(async (manager) => {
      await manager.query(
        `INSERT INTO waiting_rooms (event_id, organizer_id, enabled, opens_at) VALUES ($1, $2, $3, $4)
         ON CONFLICT (event_id) DO UPDATE SET enabled = EXCLUDED.enabled, opens_at = EXCLUDED.opens_at,
           updated_at = now()`,
        [eventId, event.organizerId, settings.enabled, settings.opensAt ?? null],
      );
      const [room] = await readRoomHeads(manager, [eventId]);
      await enqueue(manager, Facts.waitingRoomChanged, {
        eventId,
        phase: room!.phase,
        saleStartsAt: room!.saleStartsAt?.toISOString() ?? null,
        admittedThrough: room!.admittedThrough,
        admittedPerMinute: room!.admittedPerMinute,
        tickets: [],
      });
    });
    this.onChanged();
    return { id: eventId };
  }

  /**
   * The fan's ticket for the event's room: the one they have (an expired one goes back in line,
   * at the back), or a new one. CONFLICT when the room is off or was not open yet when they asked.
   * `askedAt` is when the fan asked (the router's receipt, RequestContext.receivedAt): a join
   * held on its way counts from then, so asking before the sale's start puts a fan in the draw.
   */
  async join(viewer: Viewer | null, eventId: string, askedAt: Date): Promise<QueueTicketView> {
    const fan = requireViewer(viewer);
    if (!isUuid(eventId)) throw notFound('Event', eventId);
    const existing = await this.ticketOf(fan.id, eventId);
    if (existing && existing.status !== 'EXPIRED') return this.present(existing);
    const [room] = await rows<{ enabled: boolean; open: boolean; opens_at: Date | null }>(
      this.db.manager,
      'SELECT enabled, coalesce(opens_at <= $2, true) AS open, opens_at FROM waiting_rooms WHERE event_id = $1',
      [eventId, askedAt],
    );
    if (!room?.enabled)
      throw conflict('This event has no waiting room: buy its tickets directly.', { eventId });
    if (!room.open)
      throw conflict(`The waiting room opens at ${room.opens_at!.toISOString()}.`, {
        eventId,
        opensAt: room.opens_at!.toISOString(),
      });
    try {
      await this.db.transaction(async (manager) => {
        // Shared with other joiners, exclusive for the shuffle (QueueAdmitter): a fan who joins
        // unplaced is committed before the shuffle reads who is there, or sees it done and
        // takes a place now (the room's row lock orders late joiners).
        await manager.query('SELECT pg_advisory_xact_lock_shared($1)', [roomLock(eventId)]);
        const [state] = await rows<DrawState>(
          manager,
          `SELECT shuffled_at IS NOT NULL AS shuffled, sold_out_at IS NOT NULL AS "soldOut",
             $2 < ${SALE_STARTS_AT} AS "askedBeforeStart", drawn, admitted_through AS "admittedThrough"
           FROM waiting_rooms r WHERE event_id = $1`,
          [eventId, askedAt],
        );
        const place = state?.shuffled ? await this.placeAfterDraw(manager, eventId, state) : null;
        // A ticket that expired goes back in line with its id: the same ticket, a new place. In a
        // room closed as sold out, the fan is told so at once, in line if places come back (a join
        // committed beside the closing is closed by the admitter's next step).
        await manager.query(
          `INSERT INTO queue_tickets (event_id, user_id, place, status, joined_at) VALUES ($1, $2, $3, $4, $5)
           ON CONFLICT (event_id, user_id) DO UPDATE SET status = EXCLUDED.status, place = EXCLUDED.place,
             joined_at = EXCLUDED.joined_at, recorded_at = clock_timestamp(), admitted_at = NULL,
             admitted_until = NULL, done_at = NULL
           WHERE queue_tickets.status = 'EXPIRED'`,
          [eventId, fan.id, place, state?.soldOut ? 'CLOSED' : 'WAITING', askedAt],
        );
      });
    } catch (error) {
      // Two joins of one fan at once: the loser reads the winner's ticket.
      if (!isUniqueViolation(error, 'queue_tickets_holder')) throw error;
    }
    // Nothing to announce: the admitter places and admits it on its next round.
    return this.present((await this.ticketOf(fan.id, eventId))!);
  }

  /**
   * A place in a room whose places were drawn. A fan who asked before the sale's start, but whose
   * join comes after the draw (held on its way in the on-sale's busiest seconds), is drawn in
   * now: a random one of the drawn places, shared with the fan dealt it (admission takes a shared
   * place's fans in the order they asked), or the next to admit if that place's turn has passed.
   * Anyone else queues at the back, in the order they come.
   */
  private async placeAfterDraw(
    manager: EntityManager,
    eventId: string,
    state: DrawState,
  ): Promise<number> {
    // No lock on the room's row for this: if the admitter moves past the place meanwhile, the
    // ticket waits below the admitted mark, first in place order, so its next step admits it.
    if (state.askedBeforeStart)
      return Math.max(1 + this.draw(Math.max(1, state.drawn)), state.admittedThrough + 1);
    const [next] = await rows<{ place: number }>(
      manager,
      `UPDATE waiting_rooms SET next_place = next_place + 1 WHERE event_id = $1
       RETURNING next_place - 1 AS place`,
      [eventId],
    );
    return next!.place;
  }

  /** A user's queue tickets, newest first; null for anyone but that user. */
  async ticketsOf(viewer: Viewer | null, userId: string): Promise<QueueTicketView[] | null> {
    if (viewer?.id !== userId) return null;
    const found = await rows<QueueTicketRow>(
      this.db.manager,
      'SELECT * FROM queue_tickets WHERE user_id = $1 ORDER BY joined_at DESC LIMIT 50',
      [userId],
    );
    const rooms = await readRoomHeads(this.db.manager, [...new Set(found.map((t) => t.event_id))]);
    return found.map((t) =>
      presentTicket(
        t,
        rooms.find((r) => r.eventId === t.event_id)!,
      ),
    );
  }

  /** One ticket, for its holder only (null otherwise): what a new subscriber starts from. */
  async ticket(viewer: Viewer | null, ticketId: string): Promise<QueueTicketView | null> {
    if (!viewer || !isUuid(ticketId)) return null;
    const [found] = await rows<QueueTicketRow>(
      this.db.manager,
      'SELECT * FROM queue_tickets WHERE id = $1 AND user_id = $2',
      [ticketId, viewer.id],
    );
    return found ? this.present(found) : null;
  }

  /** For DataLoader: rooms in the order of `eventIds` (undefined for events without one). */
  async rooms(eventIds: readonly string[]): Promise<Array<RoomState | undefined>> {
    const found = await readRooms(this.db.manager, eventIds.filter(isUuid));
    return eventIds.map((id) => found.find((room) => room.eventId === id));
  }

  private async ticketOf(userId: string, eventId: string): Promise<QueueTicketRow | undefined> {
    const [found] = await rows<QueueTicketRow>(
      this.db.manager,
      'SELECT * FROM queue_tickets WHERE event_id = $1 AND user_id = $2',
      [eventId, userId],
    );
    return found;
  }

  private async present(ticket: QueueTicketRow): Promise<QueueTicketView> {
    const [room] = await readRoomHeads(this.db.manager, [ticket.event_id]);
    return presentTicket(ticket, room!);
  }
}

/** The advisory lock key of an event's room: joiners share it, the shuffle takes it alone. */
export const roomLock = (eventId: string) =>
  BigInt.asIntN(64, BigInt(`0x${eventId.replace(/-/g, '').slice(0, 16)}`)).toString();
