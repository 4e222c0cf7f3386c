import type { Logger, ServiceClient, WaitingRoomChangedFact } from '@ko/platform';
import type { Fanout } from './fanout';

type Status = WaitingRoomChangedFact['tickets'][number]['status'];
type Phase = WaitingRoomChangedFact['phase'];
type Listed = WaitingRoomChangedFact['tickets'][number];

/** The `queueTicketUpdated` payload (QueueTicket). */
export interface QueueTicketUpdate {
  id: string;
  eventId: string;
  status: Status;
  position: number | null;
  estimatedWaitSeconds: number | null;
  admittedUntil: string | null;
}

/** A followed ticket as this instance knows it. */
interface Followed {
  id: string;
  eventId: string;
  status: Status;
  place: number | null;
  admittedUntil: string | null;
  last: string;
  /** The first follower's token: whose ticket it is, to read it again. */
  authorization: string | undefined;
}

interface Room {
  phase: Phase;
  saleStartsAt: string | null;
  admittedThrough: number;
  admittedPerMinute: number;
}

/** When a room's waiting fans were last sent their positions, and the send planned next. */
interface PositionPacing {
  sentAt: number;
  timer: NodeJS.Timeout | undefined;
}

/** A queue ticket as the tickets service has it now (see `Query.queueTicket`). */
export type QueueTicketLookup = (
  ticketId: string,
  authorization: string | undefined,
) => Promise<(QueueTicketUpdate & { place: number | null }) | null>;

/**
 * Live queue tickets, fed by `waiting.room.changed` facts: a ticket listed in a fact takes its
 * new status; the others follow the room (WAITING while it admits, CLOSED while sold out) and
 * their position is their place minus how far the room admitted, as the tickets service
 * computes it (queue-views.ts). A holder is sent a payload only when what they see changed.
 *
 * A change of status (admitted, expired, closed) goes out at once. A moved position alone goes
 * out at most once every `positionIntervalMs` per room, with the latest state: the room admits
 * after every sale, and telling thousands of waiting fans each step would take the CPU the
 * admitted fans' purchases need.
 */
export class QueueUpdates {
  private readonly tickets = new Map<string, Followed>();
  private readonly byEvent = new Map<string, Set<string>>();
  private readonly rooms = new Map<string, Room>();
  private readonly pacing = new Map<string, PositionPacing>();

  constructor(
    private readonly fanout: Fanout,
    private readonly lookup: QueueTicketLookup,
    private readonly logger: Logger,
    /** QUEUE_POSITION_INTERVAL_MS: the config owns the default. */
    private readonly positionIntervalMs: number,
  ) {
    fanout.onIdle((channel, ticketId) => {
      if (channel !== 'queueTicketUpdated') return;
      const ticket = this.tickets.get(ticketId);
      this.tickets.delete(ticketId);
      if (ticket) this.byEvent.get(ticket.eventId)?.delete(ticketId);
    });
  }

  /** The holder's ticket now (null when it is not theirs), and it is followed from here on. */
  async follow(
    ticketId: string,
    authorization: string | undefined,
  ): Promise<QueueTicketUpdate | null> {
    const found = await this.lookup(ticketId, authorization);
    if (!found) return null;
    const { place, ...view } = found;
    if (!this.tickets.has(ticketId)) {
      this.tickets.set(ticketId, {
        ...view,
        place,
        last: JSON.stringify(view),
        authorization,
      });
      let set = this.byEvent.get(found.eventId);
      if (!set) this.byEvent.set(found.eventId, (set = new Set()));
      set.add(ticketId);
    }
    return view;
  }

  roomChanged(fact: WaitingRoomChangedFact): void {
    const followed = this.byEvent.get(fact.eventId);
    if (!followed?.size) return;
    const before = this.rooms.get(fact.eventId);
    this.rooms.set(fact.eventId, fact);
    const pace = this.pacingOf(fact.eventId);
    const positionsDue = Date.now() - pace.sentAt >= this.positionIntervalMs;
    // Places dealt at the sale's start come in several facts: each concerns its tickets only.
    // And while the phase holds and positions are not due, only the tickets a fact lists change:
    // a room admitting after every sale costs its thousands of waiting fans nothing per step.
    const placing = fact.tickets.some((t) => t.status === 'WAITING' && t.place !== null);
    if (placing || (!positionsDue && before?.phase === fact.phase)) {
      for (const change of fact.tickets) {
        const ticket = this.tickets.get(change.ticketId);
        if (ticket?.eventId !== fact.eventId) continue;
        ticket.status = change.status;
        ticket.place = change.place;
        ticket.admittedUntil = change.admittedUntil;
        this.send(ticket, fact);
      }
      if (!placing && !pace.timer)
        pace.timer = setTimeout(
          () => this.sendPositions(fact.eventId),
          pace.sentAt + this.positionIntervalMs - Date.now(),
        );
      return;
    }
    this.sweep(fact, new Map(fact.tickets.map((t) => [t.ticketId, t])));
  }

  /** Every followed ticket of a room: its status from the room unless listed, and what it sees. */
  private sweep(room: Room & { eventId: string }, listed: Map<string, Listed>): void {
    const pace = this.pacingOf(room.eventId);
    clearTimeout(pace.timer);
    pace.timer = undefined;
    pace.sentAt = Date.now();
    for (const ticketId of this.byEvent.get(room.eventId) ?? []) {
      const ticket = this.tickets.get(ticketId)!;
      const change = listed.get(ticketId);
      if (change) {
        ticket.status = change.status;
        ticket.place = change.place;
        ticket.admittedUntil = change.admittedUntil;
      } else if (ticket.status === 'WAITING' || ticket.status === 'CLOSED') {
        ticket.status = room.phase === 'SOLD_OUT' ? 'CLOSED' : 'WAITING';
      }
      if (ticket.status === 'WAITING' && ticket.place === null && room.phase === 'ADMITTING') {
        // The sale started and places were dealt: this one's place is the tickets service's to say.
        void this.refresh(ticket);
        continue;
      }
      this.send(ticket, room);
    }
  }

  private pacingOf(eventId: string): PositionPacing {
    let pace = this.pacing.get(eventId);
    if (!pace) this.pacing.set(eventId, (pace = { sentAt: 0, timer: undefined }));
    return pace;
  }

  /** Every waiting fan of a room its position as the room is now. */
  private sendPositions(eventId: string): void {
    const room = this.rooms.get(eventId);
    if (!room || !this.byEvent.get(eventId)?.size) {
      clearTimeout(this.pacing.get(eventId)?.timer);
      this.pacing.delete(eventId);
      return;
    }
    this.sweep({ ...room, eventId }, new Map());
  }

  private async refresh(ticket: Followed): Promise<void> {
    try {
      const found = await this.lookup(ticket.id, ticket.authorization);
      if (!found) return;
      ticket.status = found.status;
      ticket.place = found.place;
      ticket.admittedUntil = found.admittedUntil;
      const room = this.rooms.get(ticket.eventId);
      if (room) this.send(ticket, room);
    } catch (error) {
      this.logger.warn({ err: error, ticketId: ticket.id }, 'cannot load a queue ticket');
    }
  }

  private send(ticket: Followed, room: Room): void {
    const view = present(ticket, room);
    const json = JSON.stringify(view);
    if (json === ticket.last) return;
    ticket.last = json;
    this.fanout.publish('queueTicketUpdated', ticket.id, view);
  }

  get size(): number {
    return this.tickets.size;
  }
}

/** As the tickets service's `presentTicket` (queue-views.ts) computes it. */
function present(ticket: Followed, room: Room, now = Date.now()): QueueTicketUpdate {
  const waiting = ticket.status === 'WAITING';
  const position =
    waiting && ticket.place !== null ? Math.max(1, ticket.place - room.admittedThrough) : null;
  let estimate: number | null = null;
  if (waiting && position === null && room.saleStartsAt)
    estimate = Math.max(0, Math.ceil((Date.parse(room.saleStartsAt) - now) / 1000));
  else if (position !== null && room.admittedPerMinute > 0)
    estimate = Math.ceil((position * 60) / room.admittedPerMinute);
  return {
    id: ticket.id,
    eventId: ticket.eventId,
    status: ticket.status,
    position,
    estimatedWaitSeconds: estimate,
    admittedUntil: ticket.status === 'ADMITTED' ? ticket.admittedUntil : null,
  };
}

const QUEUE_TICKET = `query QueueTicket($id: ID!) {
  queueTicket(id: $id) { id eventId status position estimatedWaitSeconds admittedUntil place }
}`;

/** Asks the tickets service for a ticket, as its holder (the token decides whose it is). */
export function queueTicketLookup(tickets: Pick<ServiceClient, 'query'>): QueueTicketLookup {
  return async (ticketId, authorization) => {
    const data = await tickets.query<{
      queueTicket: (QueueTicketUpdate & { place: number | null }) | null;
    }>(QUEUE_TICKET, { id: ticketId }, authorization);
    return data.queueTicket;
  };
}
