import type { DataSource, EntityManager } from 'typeorm';
import { Facts, enqueue, rows, type Logger, type WaitingRoomChangedFact } from '@ko/platform';
import type { AdmissionPace } from './admission-pace';
import { shuffleInPlace, type Draw } from './lottery';
import { readRoomHeads, type QueueTicketRow } from './queue-views';
import { roomLock } from './waiting-room';

export interface AdmitterOptions {
  /** How often every room is looked at (an instance also looks after its own sales). */
  intervalMs: number;
  /** How long an admission lasts: enough to choose and pay. */
  admissionSeconds: number;
  /** Most fans admitted at once who have not bought yet: what the box office serves quickly. */
  pace: AdmissionPace;
  /** Deals the random places (lottery.ts); the joins of fans who asked in time share it. */
  draw: Draw;
  /** The draw waits until no join asked before the start has come in for this long. */
  drawQuietMs: number;
}

/**
 * Moves waiting rooms on: gives early joiners random places when the sale starts, expires
 * admissions, admits the next fans as earlier ones buy (never more waiting to buy than
 * the pace allows, nor than places left), closes the room when everything is sold and re-opens
 * it when places come back. Every instance runs one; a room is worked under its row lock taken
 * with SKIP LOCKED, so one instance at a time moves it and none admits twice.
 */
export class QueueAdmitter {
  private loop: Promise<void> | undefined;
  private wake: (() => void) | undefined;
  private woken = false;
  private stopped = false;

  constructor(
    private readonly db: DataSource,
    private readonly logger: Logger,
    private readonly options: AdmitterOptions,
    private readonly onChanged: () => void = () => undefined,
  ) {}

  /**
   * Runs the loop in the context it is started from (not a request's: a request's statement
   * budget must not follow a nudge into the admitter).
   */
  start(): void {
    this.loop = this.run();
  }

  /** Looks at every room now (after a sale, a join or a setting changed here). */
  nudge(): void {
    this.woken = true;
    this.wake?.();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.wake?.();
    await this.loop;
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      this.woken = false;
      await this.moveAll().catch((error: unknown) =>
        this.logger.warn({ err: error }, 'waiting rooms: will retry'),
      );
      if (this.stopped || this.woken) continue;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, this.options.intervalMs);
        this.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.wake = undefined;
    }
  }

  async moveAll(): Promise<void> {
    const rooms = await rows<{ event_id: string }>(
      this.db.manager,
      'SELECT event_id FROM waiting_rooms WHERE enabled',
    );
    let changed = false;
    for (const { event_id } of rooms) changed = (await this.move(event_id)) || changed;
    if (changed) this.onChanged();
  }

  /** One step of one room; true when it changed (and a fact was written). */
  async move(eventId: string): Promise<boolean> {
    return this.db.transaction(async (manager) => {
      // Whoever holds the room's row works it; the others skip it rather than queue behind. NO KEY
      // UPDATE, not UPDATE: a joiner's insert takes KEY SHARE on this row (the foreign key) while
      // it holds the room's shared advisory lock, which the shuffle below waits for.
      const [room] = await rows<{ shuffled_at: Date | null; sold_out_at: Date | null }>(
        manager,
        'SELECT shuffled_at, sold_out_at FROM waiting_rooms WHERE event_id = $1 AND enabled FOR NO KEY UPDATE SKIP LOCKED',
        [eventId],
      );
      if (!room) return false;
      const [state] = await readRoomHeads(manager, [eventId]);
      if (!state) return false;
      const started = !state.saleStartsAt || state.saleStartsAt <= new Date();
      if (!started) return false;
      const tickets: WaitingRoomChangedFact['tickets'] = [];
      let changed = false;
      if (!room.shuffled_at) {
        if (await this.joinsStillComing(manager, eventId, state.saleStartsAt)) return false;
        const dealt = await this.shuffle(manager, eventId, state.saleStartsAt);
        // Every holder's new place, in facts of a bounded size: the subscriptions service shows
        // positions from these instead of asking for thousands of tickets at the busiest moment.
        for (let i = 0; i < dealt.length; i += PLACES_PER_FACT)
          await enqueue(manager, Facts.waitingRoomChanged, {
            eventId,
            phase: 'ADMITTING',
            saleStartsAt: state.saleStartsAt?.toISOString() ?? null,
            admittedThrough: 0,
            admittedPerMinute: 0,
            tickets: dealt.slice(i, i + PLACES_PER_FACT),
          });
        changed = true;
      }
      const expired = await rows<QueueTicketRow>(
        manager,
        `UPDATE queue_tickets SET status = 'EXPIRED' WHERE event_id = $1 AND status = 'ADMITTED'
           AND admitted_until <= now() RETURNING *`,
        [eventId],
      );
      tickets.push(...expired.map(asFact));
      const [stock] = await rows<{ available: number; tiers: number }>(
        manager,
        `SELECT coalesce(sum(capacity - sold - held), 0)::int AS available, count(*)::int AS tiers
         FROM ticket_tiers WHERE event_id = $1 AND NOT event_cancelled
           AND (sales_end_at IS NULL OR sales_end_at > now())`,
        [eventId],
      );
      const soldOut = stock!.available === 0 && stock!.tiers > 0;
      if (soldOut && room.sold_out_at) {
        // Closed already: a join that committed beside the closing (it read the room still
        // open) is closed now, and its fan told.
        const late = await rows<QueueTicketRow>(
          manager,
          `UPDATE queue_tickets SET status = 'CLOSED' WHERE event_id = $1 AND status = 'WAITING'
           RETURNING *`,
          [eventId],
        );
        tickets.push(...late.map(asFact));
      } else if (soldOut) {
        // Everyone still waiting is told at once (one fact for the room, not one per fan).
        await manager.query(
          `UPDATE queue_tickets SET status = 'CLOSED' WHERE event_id = $1 AND status = 'WAITING'`,
          [eventId],
        );
        await manager.query('UPDATE waiting_rooms SET sold_out_at = now() WHERE event_id = $1', [
          eventId,
        ]);
        changed = true;
      } else if (!soldOut && room.sold_out_at) {
        // Places came back (holds expired): the closed fans wait again, in the places they had.
        await manager.query(
          `UPDATE queue_tickets SET status = 'WAITING' WHERE event_id = $1 AND status = 'CLOSED'`,
          [eventId],
        );
        await manager.query('UPDATE waiting_rooms SET sold_out_at = NULL WHERE event_id = $1', [
          eventId,
        ]);
        changed = true;
      }
      // Admitted, not yet bought, still running (the expired ones are not counted).
      const active = state.admitted;
      const slots = soldOut
        ? 0
        : Math.min(
            this.options.pace.limit(active >= this.options.pace.current) - active,
            stock!.available - active,
          );
      if (slots > 0) {
        const admitted = await rows<QueueTicketRow>(
          manager,
          `UPDATE queue_tickets SET status = 'ADMITTED', admitted_at = now(),
             admitted_until = now() + make_interval(secs => $3)
           WHERE id IN (SELECT id FROM queue_tickets WHERE event_id = $1 AND status = 'WAITING'
                        ORDER BY place, joined_at LIMIT $2)
           RETURNING *`,
          [eventId, slots, this.options.admissionSeconds],
        );
        if (admitted.length) {
          const last = Math.max(...admitted.map((t) => t.place ?? 0));
          await manager.query(
            'UPDATE waiting_rooms SET admitted_through = greatest(admitted_through, $2) WHERE event_id = $1',
            [eventId, last],
          );
          tickets.push(...admitted.map(asFact));
        }
      }
      if (!changed && tickets.length === 0) return false;
      const [after] = await readRoomHeads(manager, [eventId]);
      await enqueue(manager, Facts.waitingRoomChanged, {
        eventId,
        phase: after!.phase,
        saleStartsAt: after!.saleStartsAt?.toISOString() ?? null,
        admittedThrough: after!.admittedThrough,
        admittedPerMinute: after!.admittedPerMinute,
        tickets,
      });
      return true;
    });
  }

  /**
   * Whether joins asked before the sale's start are still coming in. In a busy on-sale thousands
   * are held in the router's line (they yield) past the start and come in at the rate the tickets
   * service answers them, so the draw waits for a pause as long as drawQuietMs: everyone who
   * asked in time is in it, and the sale starts on a machine no longer busy with them. A join
   * that comes in after the draw all the same is drawn in then (WaitingRoom.join). Requests are
   * dated at most a minute back, so the wait ends by then in any case.
   */
  private async joinsStillComing(
    manager: EntityManager,
    eventId: string,
    saleStartsAt: Date | null,
  ): Promise<boolean> {
    if (!saleStartsAt) return false;
    const [last] = await rows<{ coming: boolean }>(
      manager,
      `SELECT coalesce(max(recorded_at) > clock_timestamp() - make_interval(secs => $3), false) AS coming
       FROM queue_tickets WHERE event_id = $1 AND place IS NULL AND joined_at < $2`,
      [eventId, saleStartsAt, this.options.drawQuietMs / 1000],
    );
    return last!.coming;
  }

  /**
   * Gives every fan who joined before the sale's start a random place (a Fisher–Yates shuffle of
   * their joining order), then those who joined since in the order they came. Under the room's
   * advisory lock, exclusive: no join is half-done while places are dealt.
   */
  private async shuffle(
    manager: EntityManager,
    eventId: string,
    saleStartsAt: Date | null,
  ): Promise<WaitingRoomChangedFact['tickets']> {
    await manager.query('SELECT pg_advisory_xact_lock($1)', [roomLock(eventId)]);
    const joined = await rows<{ id: string; user_id: string; early: boolean }>(
      manager,
      `SELECT id, user_id, joined_at < coalesce($2::timestamptz, '-infinity') AS early FROM queue_tickets
       WHERE event_id = $1 AND place IS NULL ORDER BY joined_at, id`,
      [eventId, saleStartsAt],
    );
    const early = shuffleInPlace(
      joined.filter((t) => t.early).map((t) => t.id),
      this.options.draw,
    );
    const order = [...early, ...joined.filter((t) => !t.early).map((t) => t.id)];
    await manager.query(
      `UPDATE queue_tickets q SET place = o.place
       FROM unnest($1::uuid[]) WITH ORDINALITY AS o(id, place) WHERE q.id = o.id`,
      [order],
    );
    await manager.query(
      'UPDATE waiting_rooms SET shuffled_at = now(), next_place = $2, drawn = $3 WHERE event_id = $1',
      [eventId, order.length + 1, early.length],
    );
    this.logger.info(
      { eventId, early: early.length, late: order.length - early.length },
      'waiting room shuffled',
    );
    const holders = new Map(joined.map((t) => [t.id, t.user_id]));
    return order.map((ticketId, i) => ({
      ticketId,
      userId: holders.get(ticketId)!,
      status: 'WAITING' as const,
      place: i + 1,
      admittedUntil: null,
    }));
  }
}

/** Places announced per fact after the shuffle: ~100 kB, well under Kafka's message size. */
const PLACES_PER_FACT = 500;

const asFact = (t: QueueTicketRow): WaitingRoomChangedFact['tickets'][number] => ({
  ticketId: t.id,
  userId: t.user_id,
  status: t.status,
  place: t.place,
  admittedUntil: t.admitted_until?.toISOString() ?? null,
});
