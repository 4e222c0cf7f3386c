import type { EventStatus } from './facts';
import { isUuid } from './ids';
import type { ServiceClient } from './service-client';

/** What other services need to know about an event to check a write against it. */
export interface EventSummary {
  id: string;
  status: EventStatus;
  organizerId: string;
}

const EVENT_QUERY =
  'query EventForCheck($id: ID!) { event(id: $id) { id status organizer { id } } }';

/**
 * Looks events up in the events service (their current status and organizer), forwarding
 * the caller's token so drafts stay visible to their organizer only.
 *
 * Found events are cached for `ttlMs` (a few seconds): hot paths such as posting chat
 * messages then cost no call, while a cancellation or an organizer check is never trusted
 * for longer than that. "Not found" and drafts are not cached: they depend on who asks.
 */
export class EventDirectory {
  private readonly cache = new Map<string, { event: EventSummary; expires: number }>();

  constructor(
    private readonly client: Pick<ServiceClient, 'query'>,
    private readonly ttlMs = 3_000,
    private readonly maxEntries = 10_000,
  ) {}

  async find(eventId: string, authorization?: string): Promise<EventSummary | null> {
    if (!isUuid(eventId)) return null;
    const now = Date.now();
    const hit = this.cache.get(eventId);
    if (hit && hit.expires > now) return hit.event;
    if (hit) this.cache.delete(eventId);
    const data = await this.client.query<{
      event: { id: string; status: EventSummary['status']; organizer: { id: string } } | null;
    }>(EVENT_QUERY, { id: eventId }, authorization);
    if (!data.event) return null;
    const event = {
      id: data.event.id,
      status: data.event.status,
      organizerId: data.event.organizer.id,
    };
    if (event.status === 'DRAFT') return event;
    if (this.cache.size >= this.maxEntries) {
      // Maps iterate in insertion order: drop the oldest entry.
      const oldest = this.cache.keys().next().value;
      if (oldest !== undefined) this.cache.delete(oldest);
    }
    this.cache.set(eventId, { event, expires: now + this.ttlMs });
    return event;
  }
}
