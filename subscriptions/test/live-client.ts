// Test helpers: a graphql-ws client as a browser would use it, and waits on real outcomes
// (payloads received, subscriptions registered) rather than on time.
import { randomUUID } from 'node:crypto';
import WebSocket from 'ws';
import { createClient, type Client } from 'graphql-ws/client';

/** A `chat.message.posted` envelope as the chat service writes it, with `data` as given. */
export const chatMessageFact = (data: {
  eventId: string;
  authorId: string;
  authorName: string;
  [field: string]: unknown;
}) => ({
  id: randomUUID(),
  type: 'chat.message.posted',
  version: 1,
  occurredAt: new Date().toISOString(),
  data: {
    id: randomUUID(),
    body: 'valid',
    kind: 'MESSAGE',
    createdAt: new Date().toISOString(),
    ...data,
  },
});

export interface Closed {
  code: number;
  reason: string;
}

export interface LiveClient {
  client: Client;
  /** Settles with the close code and reason when the server closes the connection. */
  closed: Promise<Closed>;
  dispose(): Promise<void>;
}

/** Connects at once (not lazily) with `Bearer <token>` in connectionParams, and never retries. */
export function connect(url: string, token?: string, rawAuthorization?: string): LiveClient {
  let resolveClosed: (closed: Closed) => void = () => undefined;
  const closed = new Promise<Closed>((resolve) => (resolveClosed = resolve));
  const authorization = rawAuthorization ?? (token ? `Bearer ${token}` : undefined);
  const client = createClient({
    url,
    webSocketImpl: WebSocket,
    connectionParams: authorization ? { authorization } : {},
    lazy: false,
    retryAttempts: 0,
    on: {
      closed: (event) => {
        const { code, reason } = event as { code: number; reason: unknown };
        resolveClosed({ code, reason: String(reason) });
      },
    },
    // The default handler rethrows the close event from lazy: false connections; tests read `closed` instead.
    onNonLazyError: () => undefined,
  });
  return { client, closed, dispose: async () => void (await client.dispose()) };
}

export interface GraphQLErrorShape {
  message: string;
  extensions?: { code?: string } & Record<string, unknown>;
}

export interface Follower<T> {
  /** Data payloads received, in order. */
  items: T[];
  /** GraphQL errors received (in a result or as an error message). */
  errors: GraphQLErrorShape[];
  done: boolean;
  /** Resolves once at least `count` items arrived (rejects after `timeoutMs`, naming what did arrive). */
  waitFor(count: number, timeoutMs?: number): Promise<T[]>;
  /** Resolves once the operation errored or completed. */
  settled(timeoutMs?: number): Promise<void>;
  unsubscribe(): void;
}

/** Subscribes and records everything that comes back on `field`. */
export function follow<T>(
  live: LiveClient,
  query: string,
  variables: Record<string, unknown>,
  field: string,
): Follower<T> {
  const items: T[] = [];
  const errors: GraphQLErrorShape[] = [];
  const listeners = new Set<() => void>();
  const changed = () => listeners.forEach((listener) => listener());
  const follower: Follower<T> = {
    items,
    errors,
    done: false,
    waitFor: (count, timeoutMs = 20_000) =>
      until(
        () => items.length >= count,
        timeoutMs,
        () =>
          `${items.length} of ${count} items: ${JSON.stringify(items)}; errors ${JSON.stringify(errors)}`,
      ).then(() => items),
    settled: (timeoutMs = 20_000) =>
      until(
        () => follower.done,
        timeoutMs,
        () => `not settled; items ${JSON.stringify(items)}`,
      ),
    unsubscribe: () => undefined,
  };
  function until(
    condition: () => boolean,
    timeoutMs: number,
    describe: () => string,
  ): Promise<void> {
    if (condition()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        listeners.delete(check);
        reject(new Error(`Timed out: ${describe()}`));
      }, timeoutMs);
      const check = () => {
        if (!condition()) return;
        clearTimeout(timer);
        listeners.delete(check);
        resolve();
      };
      listeners.add(check);
    });
  }
  follower.unsubscribe = live.client.subscribe<Record<string, T>>(
    { query, variables },
    {
      next: (result) => {
        if (result.errors) errors.push(...(result.errors as GraphQLErrorShape[]));
        if (result.data?.[field] !== undefined) items.push(result.data[field]);
        changed();
      },
      error: (error) => {
        if (Array.isArray(error)) errors.push(...(error as GraphQLErrorShape[]));
        else errors.push({ message: String((error as { reason?: string }).reason ?? error) });
        follower.done = true;
        changed();
      },
      complete: () => {
        follower.done = true;
        changed();
      },
    },
  );
  return follower;
}

/** Polls a condition (e.g. an instance's /stats) until it holds, or fails after `timeoutMs`. */
export async function eventually<T>(
  probe: () => Promise<T>,
  accept: (value: T) => boolean,
  timeoutMs = 20_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: T | undefined;
  while (Date.now() < deadline) {
    last = await probe();
    if (accept(last)) return last;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`Condition not met within ${timeoutMs} ms; last value ${JSON.stringify(last)}`);
}

export interface InstanceStats {
  connections: number;
  subscriptions: number;
  slowClientsDropped: number;
  /** Routers linked to the instance by the live relay, and subscriptions delivered over it. */
  relayLinks: number;
  relayedSubscriptions: number;
  consuming: boolean;
  factsSkipped: { malformed: number; unknown: number };
  /** process.memoryUsage() in MB, and V8's committed heap by space. */
  memoryMb: {
    rss: number;
    heapTotal: number;
    heapUsed: number;
    external: number;
    arrayBuffers: number;
    heapSpaces: Record<string, number>;
  };
}

/** The live counts of subscriptions instances, from their ws:// URLs. */
export async function stats(instances: string[]): Promise<InstanceStats[]> {
  return Promise.all(
    instances.map(async (ws) => {
      const response = await fetch(new URL('/stats', ws.replace(/^ws/, 'http')));
      return (await response.json()) as InstanceStats;
    }),
  );
}

/** Waits until the instances together hold exactly `count` live subscriptions. */
export function subscriptionsActive(instances: string[], count: number): Promise<InstanceStats[]> {
  return eventually(
    () => stats(instances),
    (all) => all.reduce((sum, s) => sum + s.subscriptions, 0) === count,
  );
}
