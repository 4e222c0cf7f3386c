import type { EventStatus, TiersAvailabilityChangedFact } from '@ko/platform/facts';
import type { Logger } from '@ko/platform/logger';
import type { ServiceClient } from '@ko/platform/service-client';
import type { Fanout } from './fanout';

export type { EventStatus };

/** One tier's places for sale, as `tiers.availability.changed` (and `tickets.sold`) carry it. */
export type TierAvailability = TiersAvailabilityChangedFact['tiers'][number];

/** The `eventUpdated` payload: the event's status and every tier's places for sale. */
export interface EventUpdate {
  eventId: string;
  status: EventStatus;
  tiers: TierAvailability[];
}

/** The tiers of an event as the tickets service has them now; null when it cannot say. */
export type TierLookup = (eventId: string) => Promise<TierAvailability[] | null>;

/** What this instance knows of one followed event. */
interface Followed {
  status: EventStatus;
  tiers: Map<string, TierAvailability>;
  /** Settles once the tickets service's tiers are merged in (or could not be had). */
  loaded: Promise<void>;
  lastSentAt: number;
  timer: NodeJS.Timeout | undefined;
}

/**
 * Live availability of the events this instance's clients follow, fed by facts: `tickets.sold`
 * and `tiers.availability.changed` give a tier's places for sale as its change left them
 * (changes of one tier are serialized by its row lock and relayed in that order), and
 * `events.lifecycle` gives the status. An event's first follower loads its tiers once from
 * the tickets service; facts arriving meanwhile win over that answer, being at least as new.
 *
 * Updates are coalesced per event: at most one every `intervalMs`, carrying the latest state,
 * so a rush of thousands of sales a second costs each follower a few messages a second.
 */
export class EventUpdates {
  private readonly followed = new Map<string, Followed>();

  constructor(
    private readonly fanout: Fanout,
    private readonly lookupTiers: TierLookup,
    private readonly intervalMs: number,
    private readonly logger: Logger,
  ) {
    fanout.onIdle((channel, eventId) => {
      if (channel !== 'eventUpdated') return;
      clearTimeout(this.followed.get(eventId)?.timer);
      this.followed.delete(eventId);
    });
  }

  /**
   * Starts tracking an event for a new follower (whose visibility was checked), and sends its
   * current state: a change between the page's read and this subscription would otherwise go
   * unseen until the next one.
   */
  follow(eventId: string, status: EventStatus): void {
    const known = this.followed.get(eventId);
    if (known) {
      if (known.status !== 'CANCELLED') known.status = status;
      this.schedule(eventId, known);
      return;
    }
    const tiers = new Map<string, TierAvailability>();
    const loaded = this.lookupTiers(eventId)
      .then((found) => {
        for (const tier of found ?? []) if (!tiers.has(tier.tierId)) tiers.set(tier.tierId, tier);
      })
      .catch((error: unknown) =>
        this.logger.warn({ err: error, eventId }, 'cannot load tiers for eventUpdated'),
      );
    const event: Followed = { status, tiers, loaded, lastSentAt: 0, timer: undefined };
    this.followed.set(eventId, event);
    this.schedule(eventId, event);
  }

  /** Tiers' places for sale as a change left them. Ignored for events nobody here follows. */
  tiersChanged(eventId: string, tiers: TierAvailability[]): void {
    const event = this.followed.get(eventId);
    if (!event) return;
    for (const tier of tiers) event.tiers.set(tier.tierId, { ...tier });
    this.schedule(eventId, event);
  }

  statusChanged(eventId: string, status: EventStatus): void {
    const event = this.followed.get(eventId);
    // CANCELLED is final: a late or redelivered older fact never revives an event.
    if (!event || event.status === 'CANCELLED' || event.status === status) return;
    event.status = status;
    this.schedule(eventId, event);
  }

  /** Events tracked, for /stats and tests. */
  get size(): number {
    return this.followed.size;
  }

  private schedule(eventId: string, event: Followed): void {
    if (event.timer) return;
    const wait = Math.max(0, event.lastSentAt + this.intervalMs - Date.now());
    event.timer = setTimeout(() => {
      void event.loaded.then(() => {
        event.timer = undefined;
        if (this.followed.get(eventId) !== event) return;
        event.lastSentAt = Date.now();
        this.fanout.publish('eventUpdated', eventId, snapshot(eventId, event));
      });
    }, wait);
  }
}

function snapshot(eventId: string, event: Followed): EventUpdate {
  // Nothing of a cancelled event is for sale, whatever its counters say.
  const open = event.status === 'ON_SALE';
  const tiers = [...event.tiers.values()].map((tier) => ({
    ...tier,
    available: open ? Math.max(0, tier.available) : 0,
  }));
  return { eventId, status: event.status, tiers };
}

// Tickets' entity resolver for events: their tiers, as tickets has them now.
const TIERS_QUERY = `query Tiers($representations: [_Any!]!) {
  _entities(representations: $representations) { ... on Event { tiers { id name available } } }
}`;

/** Asks the tickets service for an event's tiers (public data: no token needed). */
export function tierLookup(tickets: Pick<ServiceClient, 'query'>): TierLookup {
  return async (eventId) => {
    const data = await tickets.query<{
      _entities: Array<{ tiers: Array<{ id: string; name: string; available: number }> | null }>;
    }>(TIERS_QUERY, { representations: [{ __typename: 'Event', id: eventId }] }, undefined);
    const tiers = data._entities[0]?.tiers;
    return tiers
      ? tiers.map((t) => ({ tierId: t.id, name: t.name, available: t.available }))
      : null;
  };
}
