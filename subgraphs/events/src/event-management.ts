import type { DataSource, EntityManager } from 'typeorm';
import {
  DomainError,
  Facts,
  badInput,
  characterCount,
  checkText,
  enqueue,
  forbidden,
  isUuid,
  notFound,
  requireOrganizer,
  type EventLifecycleFact,
  type EventPlaceAndTime,
  type FactDefinition,
  type Viewer,
} from '@ko/platform';
import { prepareCover, storeCover } from './cover-image';
import { Event } from './entities/event';
import { validAddress, validCurrency, validTimeZone } from './event-place';

export interface EventDetails {
  title: string;
  description: string;
  category: string;
  venue: string;
  city: string;
  startsAt: Date;
  /** IANA zone of the venue; `UTC` when not given. */
  timeZone?: string;
  /** ISO 4217; `EUR` when not given. */
  currency?: string;
  address?: string | null;
}

type TextField = 'title' | 'description' | 'category' | 'venue' | 'city';

const LIMITS: Record<TextField, [number, number]> = {
  title: [3, 120],
  description: [0, 5_000],
  category: [2, 40],
  venue: [2, 120],
  city: [2, 80],
};
const MAX_YEARS_AHEAD = 5;

/** Trims and checks the fields that are present; throws BAD_USER_INPUT naming the field. */
export function validateDetails(
  input: Partial<EventDetails>,
  now = new Date(),
): Partial<EventDetails> {
  const clean: Partial<EventDetails> = {};
  for (const [field, [min, max]] of Object.entries(LIMITS) as Array<
    [keyof typeof LIMITS, [number, number]]
  >) {
    const value = input[field];
    if (value === undefined || value === null) continue;
    const trimmed = value.trim();
    checkText(trimmed, field, { required: min > 0 });
    const length = characterCount(trimmed);
    if (length < min || length > max) {
      throw badInput(`The ${field} must be ${min} to ${max} characters long.`, { field });
    }
    clean[field] = trimmed;
  }
  if (input.startsAt !== undefined && input.startsAt !== null) {
    if (input.startsAt.getTime() <= now.getTime())
      throw badInput('The start date must be in the future.', { field: 'startsAt' });
    const latest = new Date(now);
    latest.setFullYear(latest.getFullYear() + MAX_YEARS_AHEAD);
    if (input.startsAt > latest)
      throw badInput(`The start date must be within ${MAX_YEARS_AHEAD} years.`, {
        field: 'startsAt',
      });
    clean.startsAt = input.startsAt;
  }
  if (input.timeZone !== undefined && input.timeZone !== null)
    clean.timeZone = validTimeZone(input.timeZone);
  if (input.currency !== undefined && input.currency !== null)
    clean.currency = validCurrency(input.currency);
  if (input.address !== undefined)
    clean.address = input.address === null ? null : validAddress(input.address);
  return clean;
}

/** What organizers do to their events. Every change and its Kafka fact commit together. */
export class EventManagement {
  constructor(
    private readonly db: DataSource,
    private readonly onCommitted: () => void = () => undefined,
  ) {}

  async create(viewer: Viewer | null, input: EventDetails): Promise<Event> {
    const organizer = requireOrganizer(viewer);
    const details = validateDetails(input) as EventDetails;
    const repo = this.db.getRepository(Event);
    return repo.save(
      repo.create({
        timeZone: 'UTC',
        currency: 'EUR',
        address: null,
        ...details,
        organizerId: organizer.id,
        status: 'DRAFT',
      }),
    );
  }

  async update(viewer: Viewer | null, id: string, input: Partial<EventDetails>): Promise<Event> {
    const details = validateDetails(input);
    let before: EventPlaceAndTime | undefined;
    return this.change(viewer, id, Facts.eventUpdated, (event) => {
      before = placeAndTime(event);
      if (event.status === 'CANCELLED')
        throw new DomainError('CONFLICT', 'A cancelled event cannot be changed.');
      // Tickets sell only once the event is published, so a draft's prices were never paid.
      if (details.currency && details.currency !== event.currency && event.status !== 'DRAFT')
        throw new DomainError(
          'CONFLICT',
          'The currency can change only while the event is a draft: its tickets are priced in it.',
          { field: 'currency' },
        );
      Object.assign(event, details);
      // Ticket holders hear of a new start or venue; a draft has no ticket holders.
      const after = placeAndTime(event);
      if (event.status !== 'ON_SALE' || JSON.stringify(after) === JSON.stringify(before)) return;
      return (manager) =>
        enqueue(manager, Facts.eventRescheduled, {
          eventId: event.id,
          organizerId: event.organizerId,
          title: event.title,
          before: before!,
          after,
          changedAt: new Date().toISOString(),
        });
    });
  }

  async publish(viewer: Viewer | null, id: string): Promise<Event> {
    return this.change(viewer, id, Facts.eventPublished, (event) => {
      if (event.status !== 'DRAFT')
        throw new DomainError(
          'CONFLICT',
          `Only a draft can be published; this event is ${event.status}.`,
        );
      if (event.startsAt.getTime() <= Date.now())
        throw badInput('This event has already started; change its date first.');
      event.status = 'ON_SALE';
    });
  }

  async cancel(viewer: Viewer | null, id: string): Promise<Event> {
    return this.change(viewer, id, Facts.eventCancelled, (event) => {
      if (event.status === 'CANCELLED')
        throw new DomainError('CONFLICT', 'This event is already cancelled.');
      event.status = 'CANCELLED';
    });
  }

  /**
   * Sets the event's cover image (checked and re-encoded first, outside the transaction).
   * A cancelled event's page no longer changes: CONFLICT.
   */
  async setImage(viewer: Viewer | null, id: string, imageBase64: string): Promise<Event> {
    requireOrganizer(viewer);
    const cover = await prepareCover(imageBase64);
    return this.change(viewer, id, Facts.eventUpdated, (event) => {
      if (event.status === 'CANCELLED')
        throw new DomainError('CONFLICT', 'A cancelled event cannot be changed.');
      event.imageHash = cover.hash;
      return (manager) => storeCover(manager, cover);
    });
  }

  /**
   * Deletes a draft: FORBIDDEN for anyone but its organizer, CONFLICT once published or
   * cancelled (their orders, tickets and chat are history that stays). The tickets service
   * drops the draft's tiers on the `Facts.eventDeleted` fact.
   */
  async delete(viewer: Viewer | null, id: string): Promise<boolean> {
    const organizer = requireOrganizer(viewer);
    if (!isUuid(id)) throw notFound('Event', id);
    await this.db.transaction(async (manager: EntityManager) => {
      // The row lock orders this against a concurrent publish of the same draft: whichever
      // commits second sees the other's outcome (a published event, or no event).
      const current = await manager
        .getRepository(Event)
        .findOne({ where: { id }, lock: { mode: 'pessimistic_write' } });
      if (!current) throw notFound('Event', id);
      if (current.organizerId !== organizer.id)
        throw forbidden('Only the organizer of this event can delete it.');
      if (current.status !== 'DRAFT')
        throw new DomainError(
          'CONFLICT',
          current.status === 'ON_SALE'
            ? 'Only a draft can be deleted: this event is published. Cancel it instead; its orders and tickets stay on record.'
            : 'Only a draft can be deleted: this event is cancelled, and its history stays on record.',
        );
      await manager.getRepository(Event).delete({ id });
      await enqueue(manager, Facts.eventDeleted, lifecycleFact(current));
    });
    this.onCommitted();
    return true;
  }

  private async change(
    viewer: Viewer | null,
    id: string,
    fact: FactDefinition<EventLifecycleFact>,
    /** Changes the locked event; may return more to write in the same transaction. */
    apply: (event: Event) => void | ((manager: EntityManager) => Promise<unknown>),
  ): Promise<Event> {
    const organizer = requireOrganizer(viewer);
    if (!isUuid(id)) throw notFound('Event', id);
    const event = await this.db.transaction(async (manager: EntityManager) => {
      const current = await manager
        .getRepository(Event)
        .findOne({ where: { id }, lock: { mode: 'pessimistic_write' } });
      if (!current || (current.status === 'DRAFT' && current.organizerId !== organizer.id))
        throw notFound('Event', id);
      if (current.organizerId !== organizer.id)
        throw forbidden('Only the organizer of this event can change it.');
      const alsoWrite = apply(current);
      current.updatedAt = new Date();
      const saved = await manager.getRepository(Event).save(current);
      await enqueue(manager, fact, lifecycleFact(saved));
      if (alsoWrite) await alsoWrite(manager);
      return saved;
    });
    this.onCommitted();
    return event;
  }
}

const placeAndTime = (event: Event): EventPlaceAndTime => ({
  startsAt: event.startsAt.toISOString(),
  venue: event.venue,
  address: event.address,
  city: event.city,
  timeZone: event.timeZone,
});

const lifecycleFact = (event: Event): EventLifecycleFact => ({
  eventId: event.id,
  organizerId: event.organizerId,
  status: event.status,
  title: event.title,
  startsAt: event.startsAt.toISOString(),
});
