import type { DataSource } from 'typeorm';
import {
  hydrate,
  isUniqueViolation,
  DomainError,
  badInput,
  characterCount,
  checkText,
  isUuid,
  requireOrganizer,
  type Viewer,
} from '@ko/platform';
import { changeTier } from './availability';
import { TicketTier } from './entities/ticket-tier';
import type { EventStates } from './event-states';
import { eventCancelled } from './sale-refusals';
import { checkWindow } from './sale-window';

export interface TierInput {
  name: string;
  priceCents: number;
  capacity: number;
  salesStartAt?: Date | null;
  salesEndAt?: Date | null;
}

export const MAX_TIER_NAME = 80;
export const MAX_PRICE_CENTS = 10_000_000;
export const MAX_CAPACITY = 1_000_000;
/** Tiers per event: `Event.tiers` is bounded by this (`@listSize(assumedSize: 20)`). */
export const MAX_TIERS = 20;

/** A tier's name, trimmed and checked: the same rules for a new tier and an edited one. */
export function validTierName(raw: string): string {
  const name = raw.trim();
  checkText(name, 'name', { required: true });
  const length = characterCount(name);
  if (length < 1 || length > MAX_TIER_NAME)
    throw badInput(`The tier name must be 1 to ${MAX_TIER_NAME} characters long.`, {
      field: 'name',
    });
  return name;
}

export function validateTier(input: TierInput): TierInput {
  const name = validTierName(input.name);
  if (
    !Number.isInteger(input.priceCents) ||
    input.priceCents < 0 ||
    input.priceCents > MAX_PRICE_CENTS
  ) {
    throw badInput(`The price must be 0 to ${MAX_PRICE_CENTS} cents.`, { field: 'priceCents' });
  }
  if (!Number.isInteger(input.capacity) || input.capacity < 1 || input.capacity > MAX_CAPACITY) {
    throw badInput(`The capacity must be 1 to ${MAX_CAPACITY}.`, { field: 'capacity' });
  }
  return { name, priceCents: input.priceCents, capacity: input.capacity, ...checkWindow(input) };
}

/** The tiers organizers put on sale, and reading them back. */
export class Inventory {
  constructor(
    private readonly db: DataSource,
    private readonly states: EventStates,
  ) {}

  async addTier(
    viewer: Viewer | null,
    eventId: string,
    input: TierInput,
    authorization: string | undefined,
  ): Promise<TicketTier> {
    const organizer = requireOrganizer(viewer);
    const tier = validateTier(input);
    // Checked against the events service now, never against anything the client sent.
    const event = await this.states.requireOrganizedBy(organizer, eventId, authorization);
    if (event.status === 'CANCELLED') throw eventCancelled();
    try {
      return await this.db.transaction(async (manager) => {
        await this.states.record(manager, {
          eventId,
          organizerId: event.organizerId,
          status: event.status,
          asOf: event.asOf,
        });
        // The event's state row, locked, serialises tier additions to one event, so the count
        // below cannot be passed by two additions at once. Announced, so an open event page
        // shows a tier added while it is on sale.
        await manager.query('SELECT 1 FROM event_states WHERE event_id = $1 FOR UPDATE', [eventId]);
        const [row] = await changeTier(manager, eventId, {
          sql: `INSERT INTO ticket_tiers (event_id, organizer_id, name, price_cents, capacity,
             sales_start_at, sales_end_at, event_cancelled)
           SELECT $1, $2, $3, $4, $5, $7, $8,
             EXISTS (SELECT 1 FROM event_states WHERE event_id = $1 AND status = 'CANCELLED')
           WHERE (SELECT count(*) FROM ticket_tiers WHERE event_id = $1) < $6
           RETURNING *`,
          params: [
            eventId,
            event.organizerId,
            tier.name,
            tier.priceCents,
            tier.capacity,
            MAX_TIERS,
            tier.salesStartAt ?? null,
            tier.salesEndAt ?? null,
          ],
        });
        if (!row)
          throw new DomainError('CONFLICT', `An event has at most ${MAX_TIERS} ticket tiers.`, {
            limit: MAX_TIERS,
          });
        return hydrate(manager, TicketTier, row);
      });
    } catch (error) {
      if (isUniqueViolation(error, 'ticket_tiers_event_name')) {
        throw new DomainError('CONFLICT', `This event already has a tier named "${tier.name}".`, {
          field: 'name',
        });
      }
      throw error;
    }
  }

  /** For DataLoader: tiers in the order of `ids`. */
  async byIds(ids: readonly string[]): Promise<Array<TicketTier | undefined>> {
    const valid = ids.filter(isUuid);
    const found = valid.length
      ? await this.db
          .getRepository(TicketTier)
          .createQueryBuilder('t')
          .where('t.id = ANY(:ids)', { ids: valid })
          .getMany()
      : [];
    const byId = new Map(found.map((t) => [t.id, t]));
    return ids.map((id) => byId.get(id));
  }

  /** For DataLoader: each event's tiers, cheapest first. */
  async byEvents(eventIds: readonly string[]): Promise<TicketTier[][]> {
    const valid = eventIds.filter(isUuid);
    const found = valid.length
      ? await this.db
          .getRepository(TicketTier)
          .createQueryBuilder('t')
          .where('t.event_id = ANY(:ids)', { ids: valid })
          .orderBy('t.price_cents', 'ASC')
          .addOrderBy('t.created_at', 'ASC')
          .getMany()
      : [];
    // Never more than MAX_TIERS, even for an event from before the limit.
    return eventIds.map((id) => found.filter((t) => t.eventId === id).slice(0, MAX_TIERS));
  }
}
