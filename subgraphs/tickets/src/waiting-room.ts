import type { DataSource } from 'typeorm';
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
import {
  presentTicket,
  readRoomHeads,
  readRooms,
  type QueueTicketRow,
  type QueueTicketView,
  type RoomState,
} from './queue-views';
import { eventCancelled } from './sale-refusals';

export interface WaitingRoomSettings {
  enabled: boolean;
  opensAt?: Date | null;
}

/**
 * An event's waiting room, fan side and organizer side. Fans who join between its opening and
 * the sale's start get their places at random when the sale starts (QueueAdmitter shuffles
 * them); later fans queue behind in the order they came. All of it is rows, not memory.
 */
export class WaitingRoom {
  constructor(
    private readonly db: DataSource,
    private readonly states: EventStates,
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
   * at the back), or a new one. CONFLICT when the room is off or not open yet.
   */
  async join(viewer: Viewer | null, eventId: string): Promise<QueueTicketView> {
    const fan = requireViewer(viewer);
    if (!isUuid(eventId)) throw notFound('Event', eventId);
    const existing = await this.ticketOf(fan.id, eventId);
    if (existing && existing.status !== 'EXPIRED') return this.present(existing);
    const [room] = await rows<{ enabled: boolean; open: boolean; opens_at: Date | null }>(
      this.db.manager,
      'SELECT enabled, coalesce(opens_at <= now(), true) AS open, opens_at FROM waiting_rooms WHERE event_id = $1',
      [eventId],
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
        // takes the next place behind (the room's row lock orders late joiners).
        await manager.query('SELECT pg_advisory_xact_lock_shared($1)', [roomLock(eventId)]);
        const [state] = await rows<{ shuffled: boolean; soldOut: boolean }>(
          manager,
          `SELECT shuffled_at IS NOT NULL AS shuffled, sold_out_at IS NOT NULL AS "soldOut"
           FROM waiting_rooms WHERE event_id = $1`,
          [eventId],
        );
        const place = state?.shuffled
          ? (
              await rows<{ place: number }>(
                manager,
                `UPDATE waiting_rooms SET next_place = next_place + 1 WHERE event_id = $1
                 RETURNING next_place - 1 AS place`,
                [eventId],
              )
            )[0]!.place
          : null;
        // A ticket that expired goes back in line with its id: the same ticket, a new place. In a
        // room closed as sold out, the fan is told so at once, in line if places come back (a join
        // committed beside the closing is closed by the admitter's next step).
        await manager.query(
          `INSERT INTO queue_tickets (event_id, user_id, place, status) VALUES ($1, $2, $3, $4)
           ON CONFLICT (event_id, user_id) DO UPDATE SET status = EXCLUDED.status, place = EXCLUDED.place,
             joined_at = clock_timestamp(), admitted_at = NULL, admitted_until = NULL, done_at = NULL
           WHERE queue_tickets.status = 'EXPIRED'`,
          [eventId, fan.id, place, state?.soldOut ? 'CLOSED' : 'WAITING'],
        );
      });
    } catch (error) {
      // Two joins of one fan at once: the loser reads the winner's ticket.
      if (!isUniqueViolation(error, 'queue_tickets_holder')) throw error;
    }
    // Nothing to announce: the admitter places and admits it on its next round.
    return this.present((await this.ticketOf(fan.id, eventId))!);
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
