import { ChatFacts } from './facts/chat';
import { EventFacts } from './facts/events';
import { TicketFacts } from './facts/tickets';
import { UserFacts } from './facts/users';

/**
 * Every fact that crosses services through Kafka, defined once: its topic, `type`, `version`,
 * key and payload schema, in the file of the service that writes it (`facts/<owner>.ts`).
 * Producers enqueue through a definition (`enqueue(manager, Facts.ticketsSold, data)`),
 * consumers parse through it (`FactConsumer`), and the Kafka provisioning grants each topic's
 * writer and readers from `TopicAccess` (`facts/topics.ts`).
 */
export const Facts = { ...EventFacts, ...TicketFacts, ...UserFacts, ...ChatFacts };

export {
  EnvelopeSchema,
  isFact,
  parseFact,
  type EventEnvelope,
  type FactData,
  type FactDefinition,
  type FactParseResult,
  type ParsedFact,
} from './facts/envelope';
export * from './facts/topics';
export {
  EVENT_STATUSES,
  EventStatusSchema,
  type EventLifecycleFact,
  type EventPlaceAndTime,
  type EventRescheduledFact,
  type EventStatus,
} from './facts/events';
export type {
  OrderCancelledFact,
  OrderPlacedFact,
  TicketsSoldFact,
  TiersAvailabilityChangedFact,
  WaitingRoomChangedFact,
} from './facts/tickets';
export {
  ChatMessageKindSchema,
  type ChatMessageDeletedFact,
  type ChatMessagePostedFact,
} from './facts/chat';
