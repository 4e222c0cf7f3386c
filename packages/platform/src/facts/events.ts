import { z } from 'zod';
import { defineFact, type FactData } from './envelope';
import { id, isoTime } from './fields';
import { Topics } from './topics';

// The events service's facts, on `events.lifecycle`.

/** The status of an event, as the events service decides it and every other service reads it. */
export const EVENT_STATUSES = ['DRAFT', 'ON_SALE', 'CANCELLED'] as const;
export const EventStatusSchema = z.enum(EVENT_STATUSES);
export type EventStatus = z.infer<typeof EventStatusSchema>;

/** The data of an `events.lifecycle` fact: the event as it stands after the change. */
const EventLifecycleSchema = z.object({
  eventId: id,
  organizerId: id,
  status: EventStatusSchema,
  title: z.string(),
  startsAt: isoTime,
});
export type EventLifecycleFact = z.infer<typeof EventLifecycleSchema>;

const eventLifecycle = <Type extends string>(type: Type) =>
  defineFact({
    topic: Topics.eventsLifecycle,
    type,
    version: 1,
    schema: EventLifecycleSchema,
    key: (data) => data.eventId,
  });

/** Where and when an event happens: what a ticket holder must be told about when it moves. */
const EventPlaceAndTimeSchema = z.object({
  startsAt: isoTime,
  venue: z.string(),
  address: z.string().nullable(),
  city: z.string(),
  timeZone: z.string(),
});
export type EventPlaceAndTime = z.infer<typeof EventPlaceAndTimeSchema>;

export const EventFacts = {
  eventPublished: eventLifecycle('event.published'),
  eventUpdated: eventLifecycle('event.updated'),
  eventCancelled: eventLifecycle('event.cancelled'),
  /**
   * A draft was deleted (only drafts can be: nothing was ever sold for them). Tickets drops the
   * draft's tiers; the data is the draft as it stood.
   */
  eventDeleted: eventLifecycle('event.deleted'),

  /**
   * A published event's start or venue changed: before and after, for telling its ticket
   * holders. A draft's changes are not facts (nobody holds a ticket for a draft).
   */
  eventRescheduled: defineFact({
    topic: Topics.eventsLifecycle,
    type: 'event.rescheduled',
    version: 1,
    schema: z.object({
      eventId: id,
      organizerId: id,
      title: z.string(),
      before: EventPlaceAndTimeSchema,
      after: EventPlaceAndTimeSchema,
      changedAt: isoTime,
    }),
    key: (data) => data.eventId,
  }),
};

export type EventRescheduledFact = FactData<typeof EventFacts.eventRescheduled>;
