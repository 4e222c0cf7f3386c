/**
 * A worker thread of the waiting room's fans: follows the queue tickets it is given over
 * graphql-ws and posts every frame back to the bench's main thread (see `Followers`).
 */
import { parentPort } from 'node:worker_threads';
import WebSocket from 'ws';
import { createClient, type Client as WsClient } from 'graphql-ws/client';
import { describeSocketFailure } from '../lib/load';
import type { FollowerReport, FollowerRequest, QueueTicketSeen } from './queue-fans';

const QUEUE_TICKET_UPDATED = `subscription Queue($ticketId: ID!) {
  queueTicketUpdated(ticketId: $ticketId) { id status position }
}`;

const port = parentPort!;
const clients: WsClient[] = [];
const report = (message: FollowerReport) => port.postMessage(message);

port.on('message', (request: FollowerRequest) => {
  if (request.type === 'dispose') {
    void Promise.all(clients.map((client) => client.dispose())).then(() =>
      report({ type: 'disposed' }),
    );
    return;
  }
  const { fan, websocketUrl, ticketId, token } = request;
  const client = createClient({
    url: websocketUrl,
    webSocketImpl: WebSocket,
    lazy: false,
    retryAttempts: 3,
    connectionParams: { authorization: `Bearer ${token}` },
    onNonLazyError: (error) =>
      report({ type: 'note', fan, text: `ws: ${describeSocketFailure(error)}` }),
  });
  clients.push(client);
  client.subscribe<{ queueTicketUpdated: QueueTicketSeen }>(
    { query: QUEUE_TICKET_UPDATED, variables: { ticketId } },
    {
      next: (result) => {
        const ticket = result.data?.queueTicketUpdated;
        report({ type: 'frame', fan, ticket: ticket ?? null });
      },
      error: (error) =>
        report({
          type: 'error',
          fan,
          text: `subscription: ${Array.isArray(error) ? JSON.stringify(error) : describeSocketFailure(error)}`,
        }),
      complete: () => report({ type: 'complete', fan }),
    },
  );
});
