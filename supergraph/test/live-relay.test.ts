import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import WebSocket, { WebSocketServer } from 'ws';
import { createLogger } from '@ko/platform';
import { eventually } from '@ko/platform/testing';
import {
  LIVE_RELAY_HEADER,
  LIVE_RELAY_PATH,
  directLine,
  joinLine,
  parseTunnelName,
  sendLine,
} from '@ko/platform/live-relay';
import { LiveRelay } from '../src/live-relay';
import { proxyWebSockets, type WebSocketProxy } from '../src/websocket-proxy';

// The router's end of the live relay, against a stand-in subscriptions instance that writes the
// relay's lines itself: the tunnel's name in the handshake (never the client's), relayed results
// written between the instance's own frames, and a client that stops reading shed with 1013.

const logger = createLogger('live-relay-test', 'silent');

async function listening(server: Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

interface StandIn {
  url: string;
  server: Server;
  /** The tunnel names the instance's WebSocket handshakes carried. */
  names: Array<string | undefined>;
  sockets: WebSocket[];
  /** The routers' open links, by the id each named itself with. */
  links: Map<string, ServerResponse>;
}

async function standIn(): Promise<StandIn> {
  const links = new Map<string, ServerResponse>();
  const server = createServer((req, res) => {
    if (req.url !== LIVE_RELAY_PATH) return res.writeHead(404).end();
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.flushHeaders();
    links.set(String(req.headers[LIVE_RELAY_HEADER]), res);
  });
  const wss = new WebSocketServer({ server, path: '/graphql' });
  const names: Array<string | undefined> = [];
  const sockets: WebSocket[] = [];
  wss.on('connection', (socket, request) => {
    names.push(request.headers[LIVE_RELAY_HEADER] as string | undefined);
    sockets.push(socket);
  });
  const port = await listening(server);
  return { url: `ws://127.0.0.1:${port}/graphql`, server, names, sockets, links };
}

/** What `probe` gives once it gives something (the platform's `eventually`, on its presence). */
async function until<T>(probe: () => T | undefined, what: string): Promise<T> {
  await eventually(what, () => probe() !== undefined, Boolean, 5_000);
  return probe()!;
}

describe('the live relay through the router', () => {
  let instance: StandIn;
  let router: Server;
  let proxy: WebSocketProxy;
  let relay: LiveRelay;
  let routerUrl: string;

  beforeAll(async () => {
    instance = await standIn();
    relay = new LiveRelay(logger);
    router = createServer();
    proxy = proxyWebSockets(router, () => instance.url, logger, {
      relay,
      maxBufferedBytes: 64 * 1024,
      maxLagMs: 500,
    });
    routerUrl = `ws://127.0.0.1:${await listening(router)}/graphql`;
  });

  afterAll(async () => {
    proxy.close();
    relay.close();
    await new Promise((resolve) => router.close(resolve));
    for (const link of instance.links.values()) link.end();
    instance.server.closeAllConnections();
    await new Promise((resolve) => instance.server.close(resolve));
  });

  /** A client through the router, its messages as text, and the instance's side of its tunnel. */
  async function connect(headers: Record<string, string> = {}) {
    const before = instance.sockets.length;
    const client = new WebSocket(routerUrl, { headers });
    const received: string[] = [];
    client.on('message', (data) => received.push(String(data)));
    const closed = new Promise<number>((resolve) => client.on('close', resolve));
    await new Promise((resolve, reject) => {
      client.once('open', resolve);
      client.once('error', reject);
    });
    const socket = await until(() => instance.sockets[before], 'the tunnel');
    const name = parseTunnelName(instance.names[before]);
    return { client, received, closed, socket, name };
  }

  it("names each tunnel to the instance itself, and drops a client's own name", async () => {
    const spoofed = `${'0'.repeat(8)}-0000-4000-8000-${'0'.repeat(12)} 1`;
    const first = await connect({ [LIVE_RELAY_HEADER]: spoofed });
    const second = await connect();
    expect(first.name).toEqual({ routerId: relay.routerId, tunnel: expect.any(Number) });
    expect(second.name?.tunnel).not.toBe(first.name?.tunnel);
    expect(instance.names).not.toContain(spoofed);
    await until(() => instance.links.get(relay.routerId), 'the link');
    first.client.close();
    second.client.close();
  });

  it("writes relayed results to each member, between the instance's own frames", async () => {
    const a = await connect();
    const b = await connect();
    const link = await until(() => instance.links.get(relay.routerId), 'the link');
    link.write(joinLine(a.name!.tunnel, 7, 'sub-a'));
    link.write(joinLine(b.name!.tunnel, 7, 'sub-b'));
    // A large frame of the instance's own, in flight while the result arrives.
    a.socket.send('x'.repeat(200_000));
    link.write(sendLine(7, '{"data":{"n":1}}'));
    link.write(directLine(b.name!.tunnel, 'sub-b', '{"data":{"n":2}}'));
    await until(() => (a.received.length === 2 && b.received.length === 2) || undefined, 'both');
    // Whichever came first, neither was cut into the other: a frame written mid-frame would
    // have broken the stream for the client.
    const big = a.received.find((m) => m.length === 200_000);
    const result = a.received.find((m) => m !== big);
    expect(big).toBe('x'.repeat(200_000));
    expect(JSON.parse(result!)).toEqual({ id: 'sub-a', type: 'next', payload: { data: { n: 1 } } });
    expect(b.received.map((m) => JSON.parse(m))).toEqual([
      { id: 'sub-b', type: 'next', payload: { data: { n: 1 } } },
      { id: 'sub-b', type: 'next', payload: { data: { n: 2 } } },
    ]);
    a.client.close();
    b.client.close();
  });

  it('sheds a client that stops reading relayed results (1013), and ends its tunnel', async () => {
    const slow = await connect();
    const link = await until(() => instance.links.get(relay.routerId), 'the link');
    link.write(joinLine(slow.name!.tunnel, 8, 'sub'));
    slow.client.pause();
    const instanceSide = new Promise((resolve) => slow.socket.once('close', resolve));
    const big = JSON.stringify({ data: { body: 'y'.repeat(50_000) } });
    for (let i = 0; i < 200 && proxy.slowClientsDropped === 0; i++) {
      link.write(sendLine(8, big));
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(proxy.slowClientsDropped).toBe(1);
    await instanceSide;
    slow.client.resume();
    expect(await slow.closed).toBe(1013);
  });
});
