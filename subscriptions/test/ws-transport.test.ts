import { createServer, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import WebSocket, { WebSocketServer } from 'ws';
import { createClient, type Client } from 'graphql-ws/client';
import { makeExecutableSchema } from '@graphql-tools/schema';
import { createLogger } from '@ko/platform/logger';
import { Fanout } from '../src/fanout';
import { serveGraphqlWs, type WsExtra } from '../src/ws-transport';

/** A graphql-ws server on a real port whose subscriptions are fed by a Fanout. */
async function serve() {
  const fanout = new Fanout({ maxBufferedBytes: 1 << 20, maxQueued: 500, maxLagMs: 1_000 });
  const schema = makeExecutableSchema({
    typeDefs: `type Query { ping: Boolean }
      type Subscription { posted: Int! }`,
    resolvers: {
      Subscription: {
        posted: {
          subscribe: (_: unknown, __: unknown, context: { socket: WebSocket }) =>
            fanout.subscribe('messagePosted', 'room', context.socket),
          resolve: (payload: number) => payload,
        },
      },
    },
  });
  const http: Server = createServer();
  const wss = new WebSocketServer({ server: http, path: '/graphql' });
  const wires: Socket[] = [];
  wss.on('connection', (_socket, request) => wires.push(request.socket));
  const transport = serveGraphqlWs(
    { schema, context: (ctx) => ({ socket: (ctx.extra as WsExtra).socket }) },
    wss,
    60_000,
    createLogger('ws-transport-test', 'silent'),
  );
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  const url = `ws://127.0.0.1:${(http.address() as AddressInfo).port}/graphql`;
  return {
    fanout,
    wires,
    url,
    close: async () => {
      await transport.dispose();
      await new Promise((resolve) => http.close(resolve));
    },
  };
}

/** Counts the system writes a socket makes (one per `_write` or `_writev`). */
function countWrites(wire: Socket): { count: number } {
  const counter = { count: 0 };
  // Node's stream hooks: every chunk or corked batch leaves through one of them.
  const target = wire as unknown as Record<'_write' | '_writev', (...args: unknown[]) => void>;
  for (const hook of ['_write', '_writev'] as const) {
    const original = target[hook]!.bind(wire);
    target[hook] = (...args: unknown[]) => {
      counter.count += 1;
      original(...args);
    };
  }
  return counter;
}

describe('serveGraphqlWs', () => {
  let server: Awaited<ReturnType<typeof serve>>;
  let client: Client;
  afterEach(async () => {
    await client?.dispose();
    await server?.close();
  });

  it('sends the frames of one turn in one write, in order', async () => {
    server = await serve();
    client = createClient({ url: server.url, webSocketImpl: WebSocket, lazy: false });
    const received: number[] = [];
    const all = new Promise<void>((resolve, reject) =>
      client.subscribe<{ posted: number }>(
        { query: 'subscription { posted }' },
        {
          next: (result) => {
            received.push(result.data!.posted);
            if (received.length === 5) resolve();
          },
          error: reject,
          complete: () => undefined,
        },
      ),
    );
    while (server.fanout.size === 0) await new Promise((r) => setTimeout(r, 10));
    const writes = countWrites(server.wires[0]!);

    for (let n = 1; n <= 5; n += 1) server.fanout.publish('messagePosted', 'room', n);
    await all;

    expect(received).toEqual([1, 2, 3, 4, 5]);
    expect(writes.count).toBe(1);
  });

  it('sends a lone frame in the same turn of the event loop', async () => {
    server = await serve();
    client = createClient({ url: server.url, webSocketImpl: WebSocket, lazy: false });
    const received = new Promise<number>((resolve, reject) =>
      client.subscribe<{ posted: number }>(
        { query: 'subscription { posted }' },
        { next: (r) => resolve(r.data!.posted), error: reject, complete: () => undefined },
      ),
    );
    while (server.fanout.size === 0) await new Promise((r) => setTimeout(r, 10));
    const wire = server.wires[0]!;
    server.fanout.publish('messagePosted', 'room', 7);
    // graphql-ws writes it in this turn's microtasks and the flush is this turn's last immediate:
    // by the turn after, it has left the socket.
    await new Promise((r) => setImmediate(r));
    await new Promise((r) => setImmediate(r));
    expect(wire.writableLength).toBe(0);
    expect(wire.writableCorked).toBe(0);
    await expect(received).resolves.toBe(7);
  });
});
