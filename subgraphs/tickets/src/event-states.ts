import type { DataSource, EntityManager } from 'typeorm';
import {
  SingleFlight,
  forbidden,
  notFound,
  rows,
  type EventStatus,
  type Viewer,
} from '@ko/platform';
import type { EventDetails, EventsClient, FindOptions } from './events-client';
import { notOnSale } from './sale-refusals';

export interface EventStateChange {
  eventId: string;
  organizerId: string;
  status: EventStatus;
  asOf: Date;
}

/**
 * Whether an event may sell, from two sources: the local projection of events.lifecycle
 * (fast, no call on the hot path) and, when that does not know the event yet or still
 * believes it a draft, a direct call to the events service.
 */
export class EventStates {
  /** One call per event at a time: a rush of buyers on a just-published event shares it. */
  private readonly inflight = new SingleFlight<
    string,
    { event: EventDetails | null; asOf: Date }
  >();

  constructor(
    private readonly db: DataSource,
    private readonly events: EventsClient,
  ) {}

  /**
   * Records a state unless a newer one is known. CANCELLED is final: nothing overwrites it.
   * `asOf` is when the source saw that state (a fact's occurredAt, or when a call was sent).
   */
  async record(manager: EntityManager, change: EventStateChange): Promise<void> {
    await manager.query(
      `INSERT INTO event_states (event_id, organizer_id, status, as_of) VALUES ($1, $2, $3, $4)
       ON CONFLICT (event_id) DO UPDATE SET organizer_id = EXCLUDED.organizer_id, status = EXCLUDED.status, as_of = EXCLUDED.as_of
       WHERE event_states.as_of <= EXCLUDED.as_of AND event_states.status <> 'CANCELLED'`,
      [change.eventId, change.organizerId, change.status, change.asOf],
    );
  }

  /** Refuses a sale unless the event is on sale (CONFLICT naming why). */
  async assertOnSale(eventId: string, authorization: string | undefined): Promise<void> {
    const [known] = await rows<{ status: EventStatus }>(
      this.db.manager,
      'SELECT status FROM event_states WHERE event_id = $1',
      [eventId],
    );
    if (known?.status === 'ON_SALE') return;
    if (known?.status === 'CANCELLED') throw notOnSale('CANCELLED');
    // Unknown, or a draft that may have been published since: ask the events service.
    const { event, asOf } = await this.lookup(eventId, authorization);
    // Null: unknown, or a draft this caller may not see (see EventsClient). Not on sale either way.
    if (!event) throw notOnSale('DRAFT');
    await this.record(this.db.manager, {
      eventId,
      organizerId: event.organizerId,
      status: event.status,
      asOf,
    });
    if (event.status !== 'ON_SALE') throw notOnSale(event.status);
  }

  /**
   * The event as the events service sees it now, checked to be organized by `viewer`
   * (NOT_FOUND when it does not exist or is someone else's draft, FORBIDDEN otherwise).
   * `options.maxAgeMs` lets a burst of checks of one event (check-in) share an answer.
   */
  async requireOrganizedBy(
    viewer: Viewer,
    eventId: string,
    authorization: string | undefined,
    options: FindOptions & { forbidden?: string } = {},
  ): Promise<EventDetails & { asOf: Date }> {
    const asOf = new Date();
    const event = await this.events.get(eventId, authorization, options);
    if (!event) throw notFound('Event', eventId);
    if (event.organizerId !== viewer.id)
      throw forbidden(options.forbidden ?? 'Only the organizer of this event can do this.');
    return { ...event, asOf };
  }

  private lookup(
    eventId: string,
    authorization: string | undefined,
  ): Promise<{ event: EventDetails | null; asOf: Date }> {
    return this.inflight.run(eventId, async () => {
      // Taken before the call: any fact that happened after it is newer and must still apply.
      const asOf = new Date();
      return { event: await this.events.get(eventId, authorization), asOf };
    });
  }
}
