import { useEffect, useRef, useState } from 'react';
import { useClient } from 'urql';
import { pipe, subscribe } from 'wonka';
import { graphql } from '../gql';
import type { EventUpdatedSubscription, TicketsSoldSubscription } from '../gql/graphql';

export const TicketsSoldDocument = graphql(`
  subscription TicketsSold($eventId: ID!) {
    ticketsSold(eventId: $eventId) {
      eventId
      tierId
      tierName
      orderId
      quantity
      sold
      available
      capacity
      soldAt
    }
  }
`);

export type SalesUpdate = TicketsSoldSubscription['ticketsSold'];

/**
 * Live sales of one event (organizer only). The cache applies each update to the tier's
 * availability (see client.ts); `onSale` gets every update too, e.g. for a sales feed.
 */
export function useTicketsSold(
  eventId: string | undefined,
  enabled: boolean,
  onSale?: (sale: SalesUpdate) => void,
): void {
  const client = useClient();
  const handler = useRef(onSale);
  handler.current = onSale;
  useEffect(() => {
    if (!eventId || !enabled) return;
    const { unsubscribe } = pipe(
      client.subscription(TicketsSoldDocument, { eventId }),
      subscribe((result) => {
        if (result.data?.ticketsSold) handler.current?.(result.data.ticketsSold);
      }),
    );
    return unsubscribe;
  }, [client, eventId, enabled]);
}

export const EventUpdatedDocument = graphql(`
  subscription EventUpdated($eventId: ID!) {
    eventUpdated(eventId: $eventId) {
      eventId
      status
      tiers {
        tierId
        name
        available
        onSale
        salesStartAt
        salesEndAt
      }
    }
  }
`);

export type EventUpdate = EventUpdatedSubscription['eventUpdated'];

/**
 * The event's status and tiers' availability as they change, for anyone looking at it: the
 * latest update, or undefined until one comes. Counts move, a sold-out tier greys out and a
 * cancelled event shows as such without a click.
 */
export function useEventUpdated(
  eventId: string | undefined,
  enabled: boolean,
): EventUpdate | undefined {
  const client = useClient();
  const [latest, setLatest] = useState<EventUpdate | undefined>();
  useEffect(() => {
    setLatest(undefined);
    if (!eventId || !enabled) return;
    const { unsubscribe } = pipe(
      client.subscription(EventUpdatedDocument, { eventId }),
      subscribe((result) => {
        if (result.data?.eventUpdated) setLatest(result.data.eventUpdated);
      }),
    );
    return unsubscribe;
  }, [client, eventId, enabled]);
  return latest;
}
