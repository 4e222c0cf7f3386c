import type { DataSource, EntityManager } from 'typeorm';
import {
  Facts,
  isFact,
  markProcessed,
  type EventLifecycleFact,
  type Logger,
  type ParsedFact,
} from '@ko/platform';
import { cancelEventSales } from './cancellation';
import type { EventStates } from './event-states';

/** The `events.lifecycle` facts tickets reads (produced by the events service). */
export const LIFECYCLE_FACTS = [
  Facts.eventPublished,
  Facts.eventUpdated,
  Facts.eventCancelled,
  Facts.eventDeleted,
];

/**
 * Handles one `events.lifecycle` fact (already checked against its schema): keeps the local
 * event state current; on a cancellation, cancels the event's sales; on a deleted draft, drops
 * its tiers. De-duplicated by
 * envelope id in the same transaction, so a redelivery changes nothing.
 */
export function eventLifecycleHandler(
  db: DataSource,
  states: EventStates,
  logger: Logger,
  onCommitted: () => void,
) {
  return async (fact: ParsedFact): Promise<void> => {
    if (!LIFECYCLE_FACTS.some((definition) => isFact(fact, definition))) return;
    // Every lifecycle fact carries the same data (checked against its schema on receipt).
    const { envelope } = fact as ParsedFact<EventLifecycleFact>;
    const event = envelope.data;
    const cancelled = isFact(fact, Facts.eventCancelled) || event.status === 'CANCELLED';
    const outcome = await db.transaction(async (manager) => {
      if (!(await markProcessed(manager, envelope.id))) return null;
      await states.record(manager, {
        eventId: event.eventId,
        organizerId: event.organizerId,
        status: event.status,
        asOf: new Date(envelope.occurredAt),
      });
      if (isFact(fact, Facts.eventDeleted)) {
        await dropDraftTiers(manager, event.eventId);
        return undefined;
      }
      return cancelled ? cancelEventSales(manager, event.eventId) : undefined;
    });
    if (outcome) {
      logger.info(
        { eventId: event.eventId, ...outcome },
        'event cancelled: its orders and tickets are cancelled',
      );
      onCommitted();
    }
  };
}

/**
 * A deleted draft's tiers. Only drafts are deleted and a draft never sold, so there is nothing
 * to keep; a tier that somehow has a hold or an order (a foreign key) stays rather than fail.
 */
async function dropDraftTiers(manager: EntityManager, eventId: string): Promise<void> {
  await manager.query(
    `DELETE FROM ticket_tiers t WHERE t.event_id = $1
       AND NOT EXISTS (SELECT 1 FROM holds h WHERE h.tier_id = t.id)
       AND NOT EXISTS (SELECT 1 FROM orders o WHERE o.tier_id = t.id)`,
    [eventId],
  );
}
