import type { EventStatus, TiersAvailabilityChangedFact } from '@ko/platform/facts';
import type { Logger } from '@ko/platform/logger';
import type { ServiceClient } from '@ko/platform/service-client';
import type { Fanout } from './fanout';

export type { EventStatus };

/**
 * One tier's places for sale, as `tiers.availability.changed` (and `tickets.sold`) carry it; its
 * sale window when the fact or the tickets service said it (a sale's fact does not).
 */
export type TierAvailability = TiersAvailabilityChangedFact['tiers'][number];

/** A tier as `eventUpdated` shows it: whether it is on sale at this moment. */
export interface TierUpdate extends TierAvailability {
  onSale: boolean;
}

/** The `eventUpdated` payload: the event's status and every tier's places for sale. */
export interface EventUpdate {
  eventId: string;
  status: EventStatus;
  tiers: TierUpdate[];
}

/** The tiers of an event as the tickets service has them now; null when it cannot say. */
export type TierLookup = (eventId: string) => Promise<TierAvailability[] | null>;

/** Where a tier's last applied availability came from: its fact's topic, and when it happened. */
export interface ChangeSource {
  topic: string;
  at: number;
}

/** What this instance knows of one followed event. */
interface Followed {
  status: EventStatus;
  tiers: Map<string, TierAvailability>;
  /** Per tier, the source of the availability shown (facts only; the first look-up has none). */
  sources: Map<string, ChangeSource>;
  /** Settles once the tickets service's tiers are merged in (or could not be had). */
  loaded: Promise<void>;
  lastSentAt: number;
  timer: NodeJS.Timeout | undefined;
  /** Fires at the next edge of a tier's sale window, to say the sale opened or closed. */
  edgeTimer: NodeJS.Timeout | undefined;
}

// setTimeout's longest wait (about 24.8 days); a later edge is planned again when this fires.
const LONGEST_WAIT_MS = 2 ** 31 - 1;

/**
 * Live availability of the events this instance's clients follow, fed by facts: `tickets.sold`
 * and `tiers.availability.changed` give a tier's places for sale as its change left them
 * (each topic in the order the tier's row lock gave them; across the two, see `tiersChanged`), and
 * `events.lifecycle` gives the status. An event's first follower loads its tiers once from
 * the tickets service; facts arriving meanwhile win over that answer, being at least as new.
 *
 * Updates are coalesced per event: at most one every `intervalMs`, carrying the latest state,
 * so a rush of thousands of sales a second costs each follower a few messages a second. A tier's
 * sale window opening or closing is a change too: an update goes out at each edge, so an open
 * page starts (or stops) selling at that moment without a reload or a clock of its own.
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
      const event = this.followed.get(eventId);
      clearTimeout(event?.timer);
      clearTimeout(event?.edgeTimer);
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
    const event: Followed = {
      status,
      tiers,
      sources: new Map(),
      loaded,
      lastSentAt: 0,
      timer: undefined,
      edgeTimer: undefined,
    };
    this.followed.set(eventId, event);
    this.schedule(eventId, event);
  }

  /**
   * Tiers' places for sale as a change left them. Ignored for events nobody here follows.
   *
   * A tier's changes come on two topics (sales on tickets.sold, the rest on
   * tickets.availability), each in order for an event, but not in order with each other: a tier
   * added a moment before its first sale can be read after that sale, and would show the places
   * from before it until the next change. So a fact from the other topic than the last one
   * applied to a tier counts only if it happened no earlier than that one.
   */
  tiersChanged(eventId: string, tiers: TierAvailability[], source?: ChangeSource): void {
    const event = this.followed.get(eventId);
    if (!event) return;
    let changed = false;
    for (const tier of tiers) {
      const last = event.sources.get(tier.tierId);
      if (source && last && last.topic !== source.topic && source.at < last.at) continue;
      if (source) event.sources.set(tier.tierId, source);
      // A sale's fact carries no window: the one known before stays.
      event.tiers.set(tier.tierId, { ...event.tiers.get(tier.tierId), ...tier });
      changed = true;
    }
    if (changed) this.schedule(eventId, event);
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
        this.fanout.publish('eventUpdated', eventId, snapshot(eventId, event, event.lastSentAt));
        this.planNextEdge(eventId, event);
      });
    }, wait);
  }

  private planNextEdge(eventId: string, event: Followed): void {
    clearTimeout(event.edgeTimer);
    event.edgeTimer = undefined;
    const now = Date.now();
    const next = nextEdge([...event.tiers.values()], now);
    if (next === undefined) return;
    // A few milliseconds past the edge, so the snapshot taken then is on its far side.
    event.edgeTimer = setTimeout(
      () => {
        event.edgeTimer = undefined;
        if (this.followed.get(eventId) === event) this.schedule(eventId, event);
      },
      Math.min(next - now + 5, LONGEST_WAIT_MS),
    );
  }
}

const instant = (iso: string | null | undefined) => (iso ? Date.parse(iso) : undefined);

/** Whether a tier's sale window is open at `now` (no window: always). */
function inSaleWindow(tier: TierAvailability, now: number): boolean {
  const start = instant(tier.salesStartAt);
  const end = instant(tier.salesEndAt);
  return (start === undefined || now >= start) && (end === undefined || now < end);
}

/** The next moment after `now` at which some tier's sale opens or closes. */
function nextEdge(tiers: TierAvailability[], now: number): number | undefined {
  const edges = tiers
    .flatMap((t) => [instant(t.salesStartAt), instant(t.salesEndAt)])
    .filter((edge): edge is number => edge !== undefined && edge > now);
  return edges.length > 0 ? Math.min(...edges) : undefined;
}

function snapshot(eventId: string, event: Followed, now: number): EventUpdate {
  // Nothing of a cancelled event is for sale, whatever its counters say.
  const open = event.status === 'ON_SALE';
  const tiers = [...event.tiers.values()].map((tier) => ({
    ...tier,
    available: open ? Math.max(0, tier.available) : 0,
    onSale: open && inSaleWindow(tier, now),
  }));
  return { eventId, status: event.status, tiers };
}

// Tickets' entity resolver for events: their tiers, as tickets has them now.
const TIERS_QUERY = `query Tiers($representations: [_Any!]!) {
  _entities(representations: $representations) {
    ... on Event { tiers { id name available salesStartAt salesEndAt } }
  }
}`;

interface LookedUpTier {
  id: string;
  name: string;
  available: number;
  salesStartAt: string | null;
  salesEndAt: string | null;
}

/** Asks the tickets service for an event's tiers (public data: no token needed). */
export function tierLookup(tickets: Pick<ServiceClient, 'query'>): TierLookup {
  return async (eventId) => {
    const data = await tickets.query<{
      _entities: Array<{ tiers: Array<LookedUpTier> | null }>;
    }>(TIERS_QUERY, { representations: [{ __typename: 'Event', id: eventId }] }, undefined);
    const tiers = data._entities[0]?.tiers;
    return tiers ? tiers.map(({ id, ...tier }) => ({ tierId: id, ...tier })) : null;
  };
}
