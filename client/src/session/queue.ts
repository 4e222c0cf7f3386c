import { useEffect, useState } from 'react';
import { useClient } from 'urql';
import { pipe, subscribe } from 'wonka';
import { graphql } from '../gql';
import type { QueueTicketUpdatedSubscription } from '../gql/graphql';

export const QueueTicketUpdatedDocument = graphql(`
  subscription QueueTicketUpdated($ticketId: ID!) {
    queueTicketUpdated(ticketId: $ticketId) {
      id
      eventId
      status
      position
      estimatedWaitSeconds
      admittedUntil
    }
  }
`);

export type QueueTicketUpdate = QueueTicketUpdatedSubscription['queueTicketUpdated'];

/** The fan's queue ticket as it changes (position, estimate, admission): the latest update. */
export function useQueueTicket(ticketId: string | undefined): QueueTicketUpdate | undefined {
  const client = useClient();
  const [latest, setLatest] = useState<QueueTicketUpdate | undefined>();
  useEffect(() => {
    setLatest(undefined);
    if (!ticketId) return;
    const { unsubscribe } = pipe(
      client.subscription(QueueTicketUpdatedDocument, { ticketId }),
      subscribe((result) => {
        if (result.data?.queueTicketUpdated) setLatest(result.data.queueTicketUpdated);
      }),
    );
    return unsubscribe;
  }, [client, ticketId]);
  return latest;
}
