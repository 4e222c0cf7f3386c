import type { DataSource } from 'typeorm';
import { markProcessed, type EventEnvelope, type Logger } from '@ko/platform';
import { cancelEventSales } from './cancellation';
import type { EventStatus } from './entities/event-state';
import type { EventStates } from './event-states';

/** The data of an `events.lifecycle` fact (produced by the events service). */
export interface EventLifecycleFact {
  eventId: string;
  organizerId: string;
  status: EventStatus;
  title: string;
  startsAt: string;
}

const STATUSES: EventStatus[] = ['DRAFT', 'ON_SALE', 'CANCELLED'];

/**
 * Handles one `events.lifecycle` fact: keeps the local event state current and, on
 * `event.cancelled`, cancels the event's sales. De-duplicated by envelope id in the same
 * transaction, so a redelivery changes nothing.
 */
export function eventLifecycleHandler(
  db: DataSource,
  states: EventStates,
  logger: Logger,
  onCommitted: () => void,
) {
  return async (envelope: EventEnvelope): Promise<void> => {
    const fact = envelope.data as Partial<EventLifecycleFact> | null;
    if (!fact?.eventId || !fact.organizerId || !STATUSES.includes(fact.status as EventStatus)) {
      logger.warn(
        { id: envelope.id, type: envelope.type },
        'skipping an events.lifecycle fact without eventId, organizerId or status',
      );
      return;
    }
    const cancelled = envelope.type === 'event.cancelled' || fact.status === 'CANCELLED';
    const outcome = await db.transaction(async (manager) => {
      if (!(await markProcessed(manager, envelope.id))) return null;
      await states.record(manager, {
        eventId: fact.eventId!,
        organizerId: fact.organizerId!,
        status: fact.status!,
        asOf: new Date(envelope.occurredAt),
      });
      return cancelled ? cancelEventSales(manager, fact.eventId!) : undefined;
    });
    if (outcome) {
      logger.info(
        { eventId: fact.eventId, ...outcome },
        'event cancelled: its orders and tickets are cancelled',
      );
      onCommitted();
    }
  };
}
