import type { DataSource } from 'typeorm';
import {
  DomainError,
  badInput,
  characterCount,
  checkText,
  conflict,
  forbidden,
  hydrate,
  isUniqueViolation,
  isUuid,
  notFound,
  requireOrganizer,
  rows,
  type Viewer,
} from '@ko/platform';
import { changeTier } from './availability';
import { TicketTier } from './entities/ticket-tier';
import { MAX_CAPACITY, MAX_PRICE_CENTS, validTierName } from './inventory';
import { checkWindow } from './sale-window';

export const MAX_TIER_DESCRIPTION = 1_000;

/** What `updateTicketTier` may change; a field left out (or null) stays as it is. */
export interface TierChanges {
  name?: string | null;
  priceCents?: number | null;
  capacity?: number | null;
  /** An empty string clears the description. */
  description?: string | null;
  salesStartAt?: Date | null;
  salesEndAt?: Date | null;
}

interface Checked {
  name: string | null;
  priceCents: number | null;
  capacity: number | null;
  description: string | null | undefined;
  salesStartAt: Date | null;
  salesEndAt: Date | null;
}

export function validateChanges(input: TierChanges): Checked {
  const name = input.name == null ? null : validTierName(input.name);
  const price = input.priceCents ?? null;
  if (price !== null && (!Number.isInteger(price) || price < 0 || price > MAX_PRICE_CENTS))
    throw badInput(`The price must be 0 to ${MAX_PRICE_CENTS} cents.`, { field: 'priceCents' });
  const capacity = input.capacity ?? null;
  if (capacity !== null && (!Number.isInteger(capacity) || capacity < 1 || capacity > MAX_CAPACITY))
    throw badInput(`The capacity must be 1 to ${MAX_CAPACITY}.`, { field: 'capacity' });
  let description: string | null | undefined;
  if (input.description != null) {
    description = input.description.trim() || null;
    if (description) checkText(description, 'description', { required: false });
    if (description && characterCount(description) > MAX_TIER_DESCRIPTION)
      throw badInput(`The description must be at most ${MAX_TIER_DESCRIPTION} characters long.`, {
        field: 'description',
      });
  }
  return { name, priceCents: price, capacity, description, ...checkWindow(input) };
}

/** Organizers fixing a tier after it was added: its name, price, capacity and description. */
export class TierEditor {
  constructor(private readonly db: DataSource) {}

  async update(viewer: Viewer | null, tierId: string, input: TierChanges): Promise<TicketTier> {
    const organizer = requireOrganizer(viewer);
    const changes = validateChanges(input);
    if (!isUuid(tierId)) throw notFound('TicketTier', tierId);
    // One conditional UPDATE decides, under the tier's row lock, against the same row a purchase
    // changes: a sale that commits first is re-read before the WHERE is checked again (READ
    // COMMITTED re-evaluates it on the new row version), so capacity never drops below sold +
    // held, and a price changes only while nothing was ever sold or held. The organizer is the
    // one the events service confirmed when the tier was added (an event's organizer never changes).
    // A tier's event never changes: read it first, as the key of the availability fact the
    // change writes (open event pages show a new name or capacity).
    const [tier] = await rows<{ event_id: string }>(
      this.db.manager,
      'SELECT event_id FROM ticket_tiers WHERE id = $1',
      [tierId],
    );
    if (!tier) throw notFound('TicketTier', tierId);
    let updated: Record<string, unknown> | undefined;
    try {
      [updated] = await changeTier(this.db.manager, tier.event_id, {
        sql: `UPDATE ticket_tiers t SET
           name = coalesce($3, t.name),
           price_cents = coalesce($4::bigint, t.price_cents),
           capacity = coalesce($5::int, t.capacity),
           description = CASE WHEN $6 THEN $7 ELSE t.description END,
           sales_start_at = coalesce($8::timestamptz, t.sales_start_at),
           sales_end_at = coalesce($9::timestamptz, t.sales_end_at)
         WHERE t.id = $1 AND t.organizer_id = $2 AND NOT t.event_cancelled
           AND (coalesce($9::timestamptz, t.sales_end_at) IS NULL
                OR coalesce($9::timestamptz, t.sales_end_at) > coalesce($8::timestamptz, t.sales_start_at, '-infinity'))
           AND ($5::int IS NULL OR $5::int >= t.sold + t.held)
           AND ($4::bigint IS NULL OR $4::bigint = t.price_cents
                OR (t.sold = 0 AND t.held = 0 AND NOT EXISTS (SELECT 1 FROM orders o WHERE o.tier_id = t.id)))
         RETURNING *`,
        params: [
          tierId,
          organizer.id,
          changes.name,
          changes.priceCents,
          changes.capacity,
          changes.description !== undefined,
          changes.description ?? null,
          changes.salesStartAt,
          changes.salesEndAt,
        ],
      });
    } catch (error) {
      if (isUniqueViolation(error, 'ticket_tiers_event_name'))
        throw new DomainError(
          'CONFLICT',
          `This event already has a tier named "${changes.name}".`,
          {
            field: 'name',
          },
        );
      throw error;
    }
    if (updated) return hydrate(this.db.manager, TicketTier, updated);
    throw await this.refusal(tierId, organizer, changes);
  }

  /** Why the UPDATE changed nothing, read afresh (the tier may have moved on since). */
  private async refusal(tierId: string, organizer: Viewer, changes: Checked): Promise<Error> {
    const [tier] = await rows<{
      organizer_id: string;
      price_cents: string;
      sold: number;
      held: number;
      event_cancelled: boolean;
      ever_sold: boolean;
      sales_start_at: Date | null;
      sales_end_at: Date | null;
    }>(
      this.db.manager,
      `SELECT organizer_id, price_cents, sold, held, event_cancelled, sales_start_at, sales_end_at,
              EXISTS (SELECT 1 FROM orders o WHERE o.tier_id = t.id) AS ever_sold
       FROM ticket_tiers t WHERE id = $1`,
      [tierId],
    );
    if (!tier) return notFound('TicketTier', tierId);
    if (tier.organizer_id !== organizer.id)
      return forbidden('Only the organizer of this event can edit its tiers.');
    if (tier.event_cancelled)
      return conflict('This event was cancelled: its tiers can no longer be edited.', {
        reason: 'EVENT_CANCELLED',
      });
    const { sold, held } = tier;
    if (changes.capacity !== null && changes.capacity < sold + held)
      return conflict(
        `The capacity cannot go below the ${sold} places sold and ${held} held (at least ${sold + held}).`,
        { field: 'capacity', reason: 'BELOW_SOLD_AND_HELD', sold, held, minimum: sold + held },
      );
    if (changes.priceCents !== null && String(changes.priceCents) !== String(tier.price_cents))
      return conflict(
        'The price can only change before the tier’s first sale: buyers paid (or hold places at) this one.',
        { field: 'priceCents', reason: 'ALREADY_SOLD', sold, held },
      );
    const start = changes.salesStartAt ?? tier.sales_start_at;
    const end = changes.salesEndAt ?? tier.sales_end_at;
    if (start && end && end <= start)
      return badInput('The sale must end after it starts.', {
        field: changes.salesEndAt ? 'salesEndAt' : 'salesStartAt',
      });
    return conflict('The tier changed while it was being edited; try again.', {
      reason: 'CONCURRENT_CHANGE',
    });
  }
}
