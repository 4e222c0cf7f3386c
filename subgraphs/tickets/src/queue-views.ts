import type { EntityManager } from 'typeorm';
import { rows } from '@ko/platform';

/** How waiting rooms and queue tickets read, the same for queries and the admitter. */

export type QueueStatus = 'WAITING' | 'ADMITTED' | 'EXPIRED' | 'CLOSED';
export type RoomPhase = 'OFF' | 'BEFORE_START' | 'ADMITTING' | 'SOLD_OUT';

/**
 * When a room's sale starts (alias `r` for waiting_rooms): the later of its opening and its
 * event's first tier window; '-infinity' when neither is set (then it admits at once).
 */
export const SALE_STARTS_AT = `greatest(
    coalesce((SELECT min(t.sales_start_at) FROM ticket_tiers t
              WHERE t.event_id = r.event_id AND NOT t.event_cancelled), '-infinity'),
    coalesce(r.opens_at, '-infinity'))`;

/** A room as a queue ticket is shown against it (see `readRoomHeads`). */
export interface RoomHead {
  eventId: string;
  organizerId: string;
  enabled: boolean;
  opensAt: Date | null;
  saleStartsAt: Date | null;
  shuffled: boolean;
  admittedThrough: number;
  soldOut: boolean;
  phase: RoomPhase;
  /** Fans admitted over the last minute: the pace that estimates waits. */
  admittedPerMinute: number;
  /** Admitted, not yet bought, still running. */
  admitted: number;
}

/** A room with every count, for its organizer (see `readRooms`). */
export interface RoomState extends RoomHead {
  waiting: number;
  /** Orders of the event over the last minute. */
  purchasesPerMinute: number;
}

/**
 * What a ticket is shown with, read from the admitted rows only (indexes queue_tickets_admitted_at
 * and queue_tickets_admitted): fans admitted over the last minute, and those admitted now.
 */
const ADMISSIONS = `(SELECT count(*)::int FROM queue_tickets q WHERE q.event_id = r.event_id
          AND q.admitted_at > now() - interval '1 minute') AS admitted_per_minute,
       (SELECT count(*)::int FROM queue_tickets q WHERE q.event_id = r.event_id AND q.status = 'ADMITTED'
          AND q.admitted_until > now() AND q.done_at IS NULL) AS admitted`;

/** How many wait, and the sales of the minute: these read every waiting fan's row and order. */
const COUNTS = `(SELECT count(*)::int FROM queue_tickets q WHERE q.event_id = r.event_id AND q.status = 'WAITING') AS waiting,
       (SELECT count(*)::int FROM orders o WHERE o.event_id = r.event_id
          AND o.created_at > now() - interval '1 minute') AS purchases_per_minute`;

interface RoomRow {
  event_id: string;
  organizer_id: string;
  enabled: boolean;
  opens_at: Date | null;
  sale_starts_at: Date | null;
  started: boolean;
  shuffled_at: Date | null;
  admitted_through: number;
  sold_out_at: Date | null;
  admitted_per_minute: number;
  admitted: number;
  waiting?: number;
  purchases_per_minute?: number;
}

async function readRoomRows(
  manager: EntityManager,
  eventIds: readonly string[],
  counts: boolean,
): Promise<RoomRow[]> {
  return rows<RoomRow>(
    manager,
    `SELECT r.*, nullif(s.at, '-infinity') AS sale_starts_at, s.at <= now() AS started,
       ${ADMISSIONS}${counts ? `,\n       ${COUNTS}` : ''}
     FROM waiting_rooms r, LATERAL (SELECT ${SALE_STARTS_AT} AS at) s
     WHERE r.event_id = ANY($1)`,
    [eventIds],
  );
}

const headOf = (row: RoomRow): RoomHead => ({
  eventId: row.event_id,
  organizerId: row.organizer_id,
  enabled: row.enabled,
  opensAt: row.opens_at,
  saleStartsAt: row.sale_starts_at,
  shuffled: row.shuffled_at !== null,
  admittedThrough: row.admitted_through,
  soldOut: row.sold_out_at !== null,
  phase: !row.enabled
    ? 'OFF'
    : row.sold_out_at
      ? 'SOLD_OUT'
      : row.started && row.shuffled_at
        ? 'ADMITTING'
        : 'BEFORE_START',
  admittedPerMinute: row.admitted_per_minute,
  admitted: row.admitted,
});

/**
 * Rooms as a queue ticket is shown against them and the admitter moves them: without the counts
 * of `readRooms`, which read every waiting fan's row, since every join, every new follower and
 * every step of the admitter (after each sale) ask this of a room thousands are in.
 */
export async function readRoomHeads(
  manager: EntityManager,
  eventIds: readonly string[],
): Promise<RoomHead[]> {
  return (await readRoomRows(manager, eventIds, false)).map(headOf);
}

/** Rooms with how many wait, are admitted and bought over the last minute. */
export async function readRooms(
  manager: EntityManager,
  eventIds: readonly string[],
): Promise<RoomState[]> {
  return (await readRoomRows(manager, eventIds, true)).map((row) => ({
    ...headOf(row),
    waiting: row.waiting!,
    purchasesPerMinute: row.purchases_per_minute!,
  }));
}

/** A queue ticket's row, as stored. */
export interface QueueTicketRow {
  id: string;
  event_id: string;
  user_id: string;
  status: QueueStatus;
  place: number | null;
  admitted_until: Date | null;
}

/** `QueueTicket` as the schema shows it. */
export interface QueueTicketView {
  id: string;
  eventId: string;
  status: QueueStatus;
  position: number | null;
  estimatedWaitSeconds: number | null;
  admittedUntil: Date | null;
  place: number | null;
}

/**
 * A ticket as its holder sees it: a WAITING ticket's position is how many places are ahead of
 * it plus one (places are dense and admitted in order); the wait is estimated from the pace of
 * the last minute, or the time left to the sale's start before it.
 */
export function presentTicket(
  ticket: QueueTicketRow,
  room: Pick<RoomHead, 'admittedThrough' | 'admittedPerMinute' | 'saleStartsAt' | 'phase'>,
  now = new Date(),
): QueueTicketView {
  const waiting = ticket.status === 'WAITING';
  const position =
    waiting && ticket.place !== null ? Math.max(1, ticket.place - room.admittedThrough) : null;
  let estimate: number | null = null;
  if (waiting && position === null && room.saleStartsAt)
    estimate = Math.max(0, Math.ceil((room.saleStartsAt.getTime() - now.getTime()) / 1000));
  else if (position !== null && room.admittedPerMinute > 0)
    estimate = Math.ceil((position * 60) / room.admittedPerMinute);
  return {
    id: ticket.id,
    eventId: ticket.event_id,
    status: ticket.status,
    position,
    estimatedWaitSeconds: estimate,
    admittedUntil: ticket.status === 'ADMITTED' ? ticket.admitted_until : null,
    place: ticket.place,
  };
}
