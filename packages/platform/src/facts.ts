import { z } from 'zod';

/**
 * Every fact that crosses services through Kafka, defined once: its topic, `type`, `version`,
 * key and payload schema. Producers enqueue through a definition (`enqueue(manager,
 * Facts.ticketsSold, data)`), consumers parse through it (`FactConsumer`), and the Kafka
 * provisioning grants each topic's writer and readers from `TopicAccess`.
 */

/** Topics of the platform. */
export const Topics = {
  eventsLifecycle: 'events.lifecycle',
  ticketsSold: 'tickets.sold',
  /** Tiers whose places for sale changed other than by a sale (holds, new tiers, tier changes). */
  ticketsAvailability: 'tickets.availability',
  ordersCancelled: 'orders.cancelled',
  /** Waiting rooms: their progress and their queue tickets' admissions (queueTicketUpdated). */
  ticketsQueue: 'tickets.queue',
  chatMessages: 'chat.messages',
  /** Accounts' mail-worthy moments: sign-up, verification and password-reset requests. */
  usersAccounts: 'users.accounts',
  /** Orders as placed, with what their receipt says (the sale's totals are on `tickets.sold`). */
  ordersPlaced: 'orders.placed',
} as const;
export type TopicName = (typeof Topics)[keyof typeof Topics];

/** The services that hold Kafka credentials of their own (`mail`: the mail function's event source). */
export const KAFKA_PRINCIPALS = [
  'users',
  'events',
  'tickets',
  'chat',
  'subscriptions',
  'mail',
] as const;
export type KafkaPrincipal = (typeof KAFKA_PRINCIPALS)[number];

/**
 * Who may write and read each topic: the broker's ACLs are made from this table. Only the
 * owner writes; readers consume. Each principal also uses consumer groups named after it.
 */
export const TopicAccess: Record<TopicName, { writer: KafkaPrincipal; readers: KafkaPrincipal[] }> =
  {
    'events.lifecycle': { writer: 'events', readers: ['tickets', 'subscriptions', 'mail'] },
    'tickets.sold': { writer: 'tickets', readers: ['subscriptions'] },
    'tickets.availability': { writer: 'tickets', readers: ['subscriptions'] },
    'orders.cancelled': { writer: 'tickets', readers: ['mail'] },
    'tickets.queue': { writer: 'tickets', readers: ['subscriptions'] },
    'chat.messages': { writer: 'chat', readers: ['subscriptions'] },
    // Carries single-use links (verification, password reset): only the mail function reads it.
    'users.accounts': { writer: 'users', readers: ['mail'] },
    'orders.placed': { writer: 'tickets', readers: ['mail'] },
  };

/** Partitions of every platform topic (facts are keyed by event id, so an event keeps its order). */
export const TOPIC_PARTITIONS = 3;

/** The status of an event, as the events service decides it and every other service reads it. */
export const EVENT_STATUSES = ['DRAFT', 'ON_SALE', 'CANCELLED'] as const;
export const EventStatusSchema = z.enum(EVENT_STATUSES);
export type EventStatus = z.infer<typeof EventStatusSchema>;

const isoTime = z.string().datetime({ offset: true });
const id = z.string().uuid();

/** The JSON every Kafka message carries: consumers de-duplicate by `id`. */
export const EnvelopeSchema = z.object({
  id,
  type: z.string().min(1),
  version: z.number().int().min(1),
  occurredAt: isoTime,
  data: z.unknown(),
});
export interface EventEnvelope<T = unknown> {
  id: string;
  type: string;
  version: number;
  occurredAt: string;
  data: T;
}

/** One kind of fact: where it goes, what it is called, and what its data must look like. */
export interface FactDefinition<T = unknown> {
  topic: TopicName;
  type: string;
  version: number;
  schema: z.ZodType<T, z.ZodTypeDef, unknown>;
  /** The message key: facts with the same key stay in order. (A method: bivariant, so lists mix.) */
  key(data: T): string;
}

function defineFact<
  S extends z.ZodType<unknown, z.ZodTypeDef, unknown>,
  Type extends string,
>(definition: {
  topic: TopicName;
  type: Type;
  version: number;
  schema: S;
  key: (data: z.infer<S>) => string;
}): FactDefinition<z.infer<S>> & { schema: S; type: Type } {
  return definition;
}

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

const eventCancelled = eventLifecycle('event.cancelled');

/** Where and when an event happens: what a ticket holder must be told about when it moves. */
const EventPlaceAndTimeSchema = z.object({
  startsAt: isoTime,
  venue: z.string(),
  address: z.string().nullable(),
  city: z.string(),
  timeZone: z.string(),
});
export type EventPlaceAndTime = z.infer<typeof EventPlaceAndTimeSchema>;

const count = z.number().int().min(0);

/** Who an account's mail goes to, as the account stood when the fact was written. */
const AccountMailSchema = z.object({
  userId: id,
  email: z.string().email(),
  name: z.string(),
  at: isoTime,
});

/** Kinds of chat message. */
export const ChatMessageKindSchema = z.enum(['MESSAGE', 'ANNOUNCEMENT']);

export const Facts = {
  eventPublished: eventLifecycle('event.published'),
  eventUpdated: eventLifecycle('event.updated'),
  eventCancelled,
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

  /** A sale, with the tier's totals right after it, for the live sales feed. */
  ticketsSold: defineFact({
    topic: Topics.ticketsSold,
    type: 'tickets.sold',
    version: 1,
    schema: z.object({
      eventId: id,
      tierId: id,
      tierName: z.string(),
      orderId: id,
      quantity: z.number().int().min(1),
      sold: count,
      available: count,
      capacity: count,
      soldAt: isoTime,
    }),
    key: (data) => data.eventId,
  }),

  /**
   * The tiers a change left with another number of places for sale, as that change left them.
   * Sales say the same in `tickets.sold`; this covers holds taken, holds given back (by the
   * buyer, by expiry), new tiers and organizers' tier changes. The subscriptions service turns
   * both into `eventUpdated`.
   */
  tiersAvailabilityChanged: defineFact({
    topic: Topics.ticketsAvailability,
    type: 'tiers.availability.changed',
    version: 1,
    schema: z.object({
      eventId: id,
      tiers: z
        .array(
          z.object({
            tierId: id,
            name: z.string(),
            available: count,
            // The tier's sale window as the change left it (null: open on that side), so a live
            // page opens and closes the sale at its edges. Absent from facts before it was added.
            salesStartAt: isoTime.nullable().optional(),
            salesEndAt: isoTime.nullable().optional(),
          }),
        )
        .min(1),
    }),
    key: (data) => data.eventId,
  }),

  /** An order cancelled because its event was (for refunds). */
  orderCancelled: defineFact({
    topic: Topics.ordersCancelled,
    type: 'order.cancelled',
    version: 1,
    schema: z.object({
      orderId: id,
      eventId: id,
      userId: id,
      totalCents: count,
      reason: z.literal(eventCancelled.type),
      cancelledAt: isoTime,
    }),
    key: (data) => data.eventId,
  }),

  /**
   * An order as placed: what its receipt and PDF need that only tickets knows (the buyer, the
   * number, the total and the signed ticket codes). The event's details are the events service's.
   */
  orderPlaced: defineFact({
    topic: Topics.ordersPlaced,
    type: 'order.placed',
    version: 1,
    schema: z.object({
      orderId: id,
      number: z.string(),
      eventId: id,
      tierId: id,
      tierName: z.string(),
      userId: id,
      /** Where the receipt goes: the buyer's address and name from their token (absent from old tokens). */
      buyerEmail: z.string().email().optional(),
      buyerName: z.string().optional(),
      quantity: z.number().int().min(1),
      totalCents: count,
      tickets: z.array(z.object({ id, code: z.string() })).min(1),
      placedAt: isoTime,
    }),
    key: (data) => data.eventId,
  }),

  /**
   * A waiting room moved on: its phase, how far it admitted (a WAITING ticket's position is its
   * place minus `admittedThrough`), its pace, and the tickets whose own status changed (admitted,
   * expired, re-queued). WAITING and CLOSED tickets follow from `phase` without being listed.
   */
  waitingRoomChanged: defineFact({
    topic: Topics.ticketsQueue,
    type: 'waiting.room.changed',
    version: 1,
    schema: z.object({
      eventId: id,
      phase: z.enum(['OFF', 'BEFORE_START', 'ADMITTING', 'SOLD_OUT']),
      saleStartsAt: isoTime.nullable(),
      admittedThrough: count,
      admittedPerMinute: count,
      tickets: z.array(
        z.object({
          ticketId: id,
          userId: id,
          status: z.enum(['WAITING', 'ADMITTED', 'EXPIRED', 'CLOSED']),
          place: count.nullable(),
          admittedUntil: isoTime.nullable(),
        }),
      ),
    }),
    key: (data) => data.eventId,
  }),

  /** A new account, with the single-use link that verifies its address. */
  userRegistered: defineFact({
    topic: Topics.usersAccounts,
    type: 'user.registered',
    version: 1,
    schema: AccountMailSchema.extend({ verificationToken: z.string().min(16) }),
    key: (data) => data.userId,
  }),

  /** The account asked for its verification link again. */
  emailVerificationRequested: defineFact({
    topic: Topics.usersAccounts,
    type: 'email.verification.requested',
    version: 1,
    schema: AccountMailSchema.extend({ verificationToken: z.string().min(16) }),
    key: (data) => data.userId,
  }),

  /** Someone asked to reset the account's password: the link, valid until `expiresAt`. */
  passwordResetRequested: defineFact({
    topic: Topics.usersAccounts,
    type: 'password.reset.requested',
    version: 1,
    schema: AccountMailSchema.extend({ resetToken: z.string().min(16), expiresAt: isoTime }),
    key: (data) => data.userId,
  }),

  chatMessagePosted: defineFact({
    topic: Topics.chatMessages,
    type: 'chat.message.posted',
    version: 1,
    schema: z.object({
      id,
      eventId: id,
      body: z.string(),
      kind: ChatMessageKindSchema,
      authorId: id,
      authorName: z.string(),
      createdAt: isoTime,
    }),
    key: (data) => data.eventId,
  }),

  chatMessageDeleted: defineFact({
    topic: Topics.chatMessages,
    type: 'chat.message.deleted',
    version: 1,
    schema: z.object({ id, eventId: id, deletedAt: isoTime }),
    key: (data) => data.eventId,
  }),
};

export type FactData<F extends { schema: z.ZodTypeAny }> = z.output<F['schema']>;
export type TicketsSoldFact = FactData<typeof Facts.ticketsSold>;
export type TiersAvailabilityChangedFact = FactData<typeof Facts.tiersAvailabilityChanged>;
export type OrderCancelledFact = FactData<typeof Facts.orderCancelled>;
export type WaitingRoomChangedFact = FactData<typeof Facts.waitingRoomChanged>;
export type EventRescheduledFact = FactData<typeof Facts.eventRescheduled>;
export type OrderPlacedFact = FactData<typeof Facts.orderPlaced>;
export type ChatMessagePostedFact = FactData<typeof Facts.chatMessagePosted>;
export type ChatMessageDeletedFact = FactData<typeof Facts.chatMessageDeleted>;

/** A fact read from Kafka, checked against its definition. */
export interface ParsedFact<T = unknown> {
  definition: FactDefinition<T>;
  envelope: EventEnvelope<T>;
}

export type FactParseResult =
  { ok: true; fact: ParsedFact } | { ok: false; reason: 'malformed' | 'unknown'; error: string };

/**
 * Reads one message of `topic` against the facts a consumer knows. `unknown` is a well-formed
 * envelope of a type (or version) this consumer does not know; `malformed` is anything else.
 */
export function parseFact(
  known: readonly FactDefinition[],
  topic: string,
  value: Buffer | string | null | undefined,
): FactParseResult {
  if (value === null || value === undefined || value.length === 0)
    return { ok: false, reason: 'malformed', error: 'empty message' };
  let json: unknown;
  try {
    json = JSON.parse(typeof value === 'string' ? value : value.toString('utf8'));
  } catch {
    return { ok: false, reason: 'malformed', error: 'not JSON' };
  }
  const envelope = EnvelopeSchema.safeParse(json);
  if (!envelope.success)
    return { ok: false, reason: 'malformed', error: describe(envelope.error, 'envelope') };
  const definition = known.find(
    (d) =>
      d.topic === topic && d.type === envelope.data.type && d.version === envelope.data.version,
  );
  if (!definition) {
    const wrongPlace = known.some((d) => d.type === envelope.data.type && d.topic !== topic);
    return {
      ok: false,
      reason: wrongPlace ? 'malformed' : 'unknown',
      error: `${envelope.data.type} v${envelope.data.version} is not a fact of ${topic} this service reads`,
    };
  }
  const data = definition.schema.safeParse(envelope.data.data);
  if (!data.success)
    return { ok: false, reason: 'malformed', error: describe(data.error, envelope.data.type) };
  return {
    ok: true,
    fact: { definition, envelope: { ...envelope.data, data: data.data } },
  };
}

function describe(error: z.ZodError, what: string): string {
  const issue = error.issues[0];
  return `${what}: ${issue.path.join('.') || '(root)'} ${issue.message}`;
}

/** True when `fact` is of `definition`, narrowing its data. */
export function isFact<T>(
  fact: ParsedFact,
  definition: FactDefinition<T>,
): fact is ParsedFact<T> & { envelope: EventEnvelope<T> } {
  return fact.definition === (definition as FactDefinition);
}
