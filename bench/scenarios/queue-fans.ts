/**
 * A waiting room's fans as the bench plays them: each joins (sending the join again when the
 * stack could not answer, as the web client does), then follows their queue ticket over
 * graphql-ws through the router; a fan whose socket failed polls instead.
 */
import WebSocket from 'ws';
import { createClient, type Client as WsClient } from 'graphql-ws/client';
import {
  GraphQLHttp,
  describeSocketFailure,
  inParallel,
  outcomeOf,
  type GraphQLAnswer,
} from '../lib/load';
import type { Account } from './setup';

const QUEUE_TICKET_UPDATED = `subscription Queue($ticketId: ID!) {
  queueTicketUpdated(ticketId: $ticketId) { id status position }
}`;
const JOIN = 'mutation($e: ID!) { joinWaitingRoom(eventId: $e) { id status position } }';
const QUEUE_TICKET = 'query($id: ID!) { queueTicket(id: $id) { status position } }';

/** Tries of one fan's join before they give up, and the answers worth another try. */
const JOIN_ATTEMPTS = 3;
const RETRIED = new Set(['SERVICE_UNAVAILABLE', 'transport', 'http_502', 'http_503', 'http_504']);

export interface QueueTicketSeen {
  id?: string;
  status: string;
  position: number | null;
}

export interface Fan {
  account: Account;
  ticketId?: string;
  /** When the fan asked to join (the join sent); their wait for a position counts from here. */
  arrivedAt?: number;
  /** When the join's answer came. */
  joinedAt?: number;
  positionedAt?: number;
  toldClosedAt?: number;
  bought: boolean;
  ws?: WsClient;
  /** Whether the subscription is running; a fan whose subscription failed polls instead. */
  live: boolean;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * One fan's join: the answer and its outcome. A join the stack could not answer is sent again
 * (joining again answers the same ticket, so a fan whose first answer was lost still learns it);
 * each retry is counted in `retries` by the answer that caused it.
 */
export async function join(
  http: GraphQLHttp,
  eventId: string,
  fan: Fan,
  retries: Record<string, number>,
): Promise<{ answer: GraphQLAnswer; outcome: string; ticket?: QueueTicketSeen }> {
  for (let attempt = 1; ; attempt++) {
    const answer = await http.post(
      JSON.stringify({ query: JOIN, variables: { e: eventId } }),
      fan.account.token,
    );
    const outcome = outcomeOf(answer);
    if (outcome === 'ok' || attempt === JOIN_ATTEMPTS || !RETRIED.has(outcome)) {
      const data = answer.body?.data as { joinWaitingRoom?: QueueTicketSeen } | undefined;
      return { answer, outcome, ticket: data?.joinWaitingRoom };
    }
    retries[outcome] = (retries[outcome] ?? 0) + 1;
    await sleep(1_000);
  }
}

/** Follows a fan's ticket over graphql-ws; settles at the first frame, error or end. */
export function follow(
  fan: Fan,
  websocketUrl: string,
  seen: (fan: Fan, ticket: QueueTicketSeen) => void,
  note: (text: string) => void,
): Promise<void> {
  return new Promise<void>((resolve) => {
    fan.ws = createClient({
      url: websocketUrl,
      webSocketImpl: WebSocket,
      lazy: false,
      retryAttempts: 3,
      connectionParams: { authorization: `Bearer ${fan.account.token}` },
      onNonLazyError: (error) => note(`ws: ${describeSocketFailure(error)}`),
    });
    fan.ws.subscribe<{ queueTicketUpdated: QueueTicketSeen }>(
      { query: QUEUE_TICKET_UPDATED, variables: { ticketId: fan.ticketId } },
      {
        next: (result) => {
          resolve();
          fan.live = true;
          const ticket = result.data?.queueTicketUpdated;
          if (ticket) seen(fan, ticket);
        },
        error: (error) => {
          resolve();
          fan.live = false;
          note(
            `subscription: ${Array.isArray(error) ? JSON.stringify(error) : describeSocketFailure(error)}`,
          );
        },
        complete: () => {
          fan.live = false;
          resolve();
        },
      },
    );
  });
}

/**
 * Fans whose subscription could not start or ended (an overloaded machine) poll every second,
 * as the web client would after losing its socket, so no admission is left unused. Returns the
 * function that stops the polling and waits for its last round.
 */
export function pollStranded(
  fans: Fan[],
  http: GraphQLHttp,
  seen: (fan: Fan, ticket: QueueTicketSeen) => void,
): () => Promise<void> {
  let polling = true;
  const poller = (async () => {
    while (polling) {
      await sleep(1_000);
      const stranded = fans.filter(
        (f) => f.ticketId && !f.live && !f.bought && f.toldClosedAt === undefined,
      );
      await inParallel(stranded, 20, async (fan) => {
        const answer = await http.post(
          JSON.stringify({ query: QUEUE_TICKET, variables: { id: fan.ticketId } }),
          fan.account.token,
        );
        const data = answer.body?.data as { queueTicket?: QueueTicketSeen } | undefined;
        if (data?.queueTicket) seen(fan, data.queueTicket);
      });
    }
  })();
  return async () => {
    polling = false;
    await poller;
  };
}
