/**
 * The chat fan-out's subscribers: graphql-ws clients (as the web client uses), all following one
 * event's `messagePosted`, whether on the stack (through the router) or on the floor. Each
 * received message is handed to whichever measured step is running.
 */
import WebSocket from 'ws';
import { createClient, type Client } from 'graphql-ws/client';
import { describeSocketFailure, inParallel } from '../lib/load';
import { nowMs, round } from '../lib/stats';

export const MESSAGE_POSTED = `subscription Chat($eventId: ID!) {
  messagePosted(eventId: $eventId) { id body kind createdAt author { id name } }
}`;

export interface Subscriber {
  client: Client;
  /** Set when the subscription ended: closed by the server (shed) or errored. */
  endedAt: number | undefined;
  /** The close code the server gave, when it closed the connection. */
  closeCode: number | undefined;
}

export type OnMessage = (subscriber: Subscriber, body: string, receivedAt: number) => void;

export interface SubscriberPool {
  subscribers: Subscriber[];
  connectSeconds: number;
  /** Where received messages go now (a step replaces it). */
  onMessage: OnMessage;
  errorExamples: string[];
  close(): Promise<void>;
}

export async function connectSubscribers(options: {
  websocketUrl: string;
  statsUrl: string;
  eventId: string;
  count: number;
}): Promise<SubscriberPool> {
  const t0 = nowMs();
  const pool: SubscriberPool = {
    subscribers: [],
    connectSeconds: 0,
    onMessage: () => undefined,
    errorExamples: [],
    close: async () => {
      await Promise.all(pool.subscribers.map((s) => s.client.dispose()));
    },
  };
  const note = (text: string) => {
    if (pool.errorExamples.length < 5) pool.errorExamples.push(text.slice(0, 200));
  };
  await inParallel(
    Array.from({ length: options.count }, (_, i) => i),
    50,
    (i) =>
      new Promise<void>((resolve, reject) => {
        const subscriber: Subscriber = {
          endedAt: undefined,
          closeCode: undefined,
          client: createClient({
            url: options.websocketUrl,
            webSocketImpl: WebSocket,
            lazy: false,
            retryAttempts: 0,
            on: {
              connected: () => resolve(),
              closed: (event) => {
                subscriber.closeCode ??= (event as { code?: number }).code;
                subscriber.endedAt ??= nowMs();
              },
            },
            onNonLazyError: (error) =>
              reject(
                new Error(`subscriber ${i} could not connect: ${describeSocketFailure(error)}`),
              ),
          }),
        };
        pool.subscribers.push(subscriber);
        subscriber.client.subscribe<{ messagePosted: { body: string } }>(
          { query: MESSAGE_POSTED, variables: { eventId: options.eventId } },
          {
            next: (result) =>
              pool.onMessage(subscriber, result.data?.messagePosted.body ?? '', nowMs()),
            error: (error) => {
              subscriber.endedAt ??= nowMs();
              note(`subscription error: ${JSON.stringify(error)}`);
            },
            complete: () => {
              subscriber.endedAt ??= nowMs();
            },
          },
        );
      }),
  );
  await until(
    async () => (await liveSubscriptions(options.statsUrl)) >= options.count,
    60_000,
    'every subscription live',
  );
  pool.connectSeconds = round((nowMs() - t0) / 1000, 1);
  return pool;
}

async function liveSubscriptions(statsUrl: string): Promise<number> {
  try {
    const response = await fetch(statsUrl);
    return ((await response.json()) as { subscriptions: number }).subscriptions;
  } catch {
    return 0;
  }
}

export async function until(
  condition: () => Promise<boolean>,
  timeoutMs: number,
  what: string,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await condition()) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`chat: timed out after ${timeoutMs} ms waiting for ${what}`);
}
