import { isUuid, type EventStatus, type ServiceClient } from '@ko/platform';

/** What tickets needs to know about an event: to sell for it, check it in, print and report it. */
export interface EventDetails {
  id: string;
  title: string;
  venue: string;
  city: string;
  startsAt: string;
  /** The venue's IANA zone: printed times are in it. */
  timeZone: string;
  /** ISO 4217: printed prices are in it. */
  currency: string;
  address: string | null;
  status: EventStatus;
  organizerId: string;
}

// The events subgraph's entity resolver: many events in one call (and one query on its side).
const EVENTS_QUERY = `query EventDetails($representations: [_Any!]!) {
  _entities(representations: $representations) {
    ... on Event { id title venue city startsAt timeZone currency address status organizer { id } }
  }
}`;

interface EntityRow extends Omit<EventDetails, 'organizerId'> {
  organizer: { id: string } | null;
}

export interface FindOptions {
  /**
   * How old a remembered answer may be; 0 (the default) always asks. Writes that must match the
   * events service's current state ask every time; check-in, which scans many tickets of one
   * event in a row, may reuse an answer for a few seconds.
   */
  maxAgeMs?: number;
}

/**
 * The one way tickets asks the events service about events, a batch per call (a DataLoader
 * over `find` asks once per request however many orders or reports it resolves).
 *
 * Visibility is the events service's: a draft is visible to its organizer only, so the
 * caller's token is forwarded and `null` means "unknown, or a draft this caller may not see".
 * For the same reason drafts are never remembered: what one sees of them depends on who asks.
 * The organizer comes from the events service's own column, so a users outage does not hide it.
 */
export class EventsClient {
  private readonly remembered = new Map<string, { event: EventDetails; at: number }>();

  constructor(
    private readonly events: Pick<ServiceClient, 'query'>,
    private readonly maxRemembered = 10_000,
  ) {}

  /** One event, or null (see the class comment). */
  async get(
    eventId: string,
    authorization: string | undefined,
    options: FindOptions = {},
  ): Promise<EventDetails | null> {
    return (await this.find([eventId], authorization, options))[0] ?? null;
  }

  /** The events in the order asked; null for an unknown id or a draft the caller may not see. */
  async find(
    eventIds: readonly string[],
    authorization: string | undefined,
    { maxAgeMs = 0 }: FindOptions = {},
  ): Promise<Array<EventDetails | null>> {
    const now = Date.now();
    const found = new Map<string, EventDetails>();
    for (const id of eventIds) {
      const hit = this.remembered.get(id);
      if (hit && now - hit.at < maxAgeMs) found.set(id, hit.event);
    }
    const wanted = [...new Set(eventIds.filter((id) => isUuid(id) && !found.has(id)))];
    if (wanted.length) {
      const data = await this.events.query<{ _entities: Array<EntityRow | null> }>(
        EVENTS_QUERY,
        { representations: wanted.map((id) => ({ __typename: 'Event', id })) },
        authorization,
      );
      for (const row of data._entities) {
        if (!row) continue;
        const { organizer, ...rest } = row;
        const event = { ...rest, organizerId: organizer?.id ?? '' };
        found.set(event.id, event);
        if (event.status !== 'DRAFT') this.remember(event, now);
      }
    }
    return eventIds.map((id) => found.get(id) ?? null);
  }

  private remember(event: EventDetails, at: number): void {
    this.remembered.delete(event.id);
    if (this.remembered.size >= this.maxRemembered) {
      // Maps iterate in insertion order: drop the oldest entry.
      const oldest = this.remembered.keys().next().value;
      if (oldest !== undefined) this.remembered.delete(oldest);
    }
    this.remembered.set(event.id, { event, at });
  }
}
