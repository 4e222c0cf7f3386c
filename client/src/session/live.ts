import { useEffect, useRef } from 'react';
import { useClient } from 'urql';
import { pipe, subscribe } from 'wonka';
import { graphql } from '../gql';
import type { TicketsSoldSubscription } from '../gql/graphql';

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
