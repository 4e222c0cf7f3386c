import { isUuid, type ServiceClient } from '@ko/platform';

/** What a printed ticket and an organizer check need to know about an event. */
export interface EventDetails {
  id: string;
  title: string;
  venue: string;
  city: string;
  startsAt: string;
  status: 'DRAFT' | 'ON_SALE' | 'CANCELLED';
  organizerId: string;
}

// The events subgraph's entity resolver: many events in one call (and one query on its side).
// Drafts come back only to their organizer, as everywhere else: the caller's token is forwarded.
const EVENTS_QUERY = `query EventDetails($representations: [_Any!]!) {
  _entities(representations: $representations) {
    ... on Event { id title venue city startsAt status organizer { id } }
  }
}`;

interface EntityRow {
  id: string;
  title: string;
  venue: string;
  city: string;
  startsAt: string;
  status: EventDetails['status'];
  organizer: { id: string } | null;
}

/**
 * Looks events up in the events service, a batch per call: a DataLoader over `find` asks once
 * per request however many orders or reports it resolves. The organizer comes from the events
 * service's own data, not from the users service, so a users outage does not hide it.
 */
export class EventDetailsLookup {
  constructor(private readonly events: Pick<ServiceClient, 'query'>) {}

  /** The events in the order asked; null for an unknown id (or a draft the caller may not see). */
  async find(
    eventIds: readonly string[],
    authorization: string | undefined,
  ): Promise<Array<EventDetails | null>> {
    const wanted = [...new Set(eventIds.filter(isUuid))];
    const found = new Map<string, EventDetails>();
    if (wanted.length) {
      const data = await this.events.query<{ _entities: Array<EntityRow | null> }>(
        EVENTS_QUERY,
        { representations: wanted.map((id) => ({ __typename: 'Event', id })) },
        authorization,
      );
      for (const row of data._entities) {
        if (!row) continue;
        found.set(row.id, {
          id: row.id,
          title: row.title,
          venue: row.venue,
          city: row.city,
          startsAt: row.startsAt,
          status: row.status,
          // Federation asks for `organizer { id }`, which events answers from its own column.
          organizerId: row.organizer?.id ?? '',
        });
      }
    }
    return eventIds.map((id) => found.get(id) ?? null);
  }
}
