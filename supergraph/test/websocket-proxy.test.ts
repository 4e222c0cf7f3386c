import { createServer, type Server } from 'node:http';
import {
  createServer as createNetServer,
  type AddressInfo,
  type Server as NetServer,
} from 'node:net';
import WebSocket, { WebSocketServer } from 'ws';
import { createLogger } from '@ko/platform';
import { proxyWebSockets, type WebSocketProxy } from '../src/websocket-proxy';

const logger = createLogger('websocket-proxy-test', 'silent');

async function listening(server: Server | NetServer): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

/** A stand-in subscriptions instance: echoes text, and closes with 4401 when told "bye". */
async function instance(): Promise<{ url: string; server: Server; seen: string[] }> {
  const server = createServer();
  const wss = new WebSocketServer({ server, path: '/graphql' });
  const seen: string[] = [];
  wss.on('connection', (socket, request) => {
    seen.push(
      `${request.headers['sec-websocket-protocol']} ${request.headers.authorization ?? ''} ${request.url}`,
    );
    socket.on('message', (data) => {
      if (String(data) === 'bye') socket.close(4401, 'Sign in again');
      else socket.send(`echo ${String(data)}`);
    });
  });
  const port = await listening(server);
  return { url: `ws://127.0.0.1:${port}/graphql`, server, seen };
}

function refusedWith(url: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const client = new WebSocket(url);
    client.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
    client.on('open', () => reject(new Error('connected unexpectedly')));
    client.on('error', () => undefined);
  });
}

describe('proxyWebSockets', () => {
  let router: Server;
  let proxy: WebSocketProxy;
  let routerUrl: string;
  let target: string | undefined;
  let upstream: Awaited<ReturnType<typeof instance>>;

  beforeAll(async () => {
    upstream = await instance();
    router = createServer((_req, res) => res.end('http'));
    proxy = proxyWebSockets(router, () => target, logger);
    routerUrl = `ws://127.0.0.1:${await listening(router)}`;
  });

  afterAll(async () => {
    proxy.close();
    await new Promise((resolve) => router.close(resolve));
    upstream.server.closeAllConnections();
    await new Promise((resolve) => upstream.server.close(resolve));
  });

  it('pipes a connection on /graphql through to the target, headers, messages and close codes included', async () => {
    target = upstream.url;
    const client = new WebSocket(`${routerUrl}/graphql?x=1`, 'graphql-transport-ws', {
      headers: { authorization: 'Bearer abc' },
    });
    await new Promise((resolve, reject) => {
      client.once('open', resolve);
      client.once('error', reject);
    });
    expect(client.protocol).toBe('graphql-transport-ws');
    expect(upstream.seen).toEqual(['graphql-transport-ws Bearer abc /graphql?x=1']);
    expect(proxy.size).toBe(1);

    const echoed = new Promise((resolve) =>
      client.once('message', (data) => resolve(String(data))),
    );
    client.send('hello');
    expect(await echoed).toBe('echo hello');

    const closed = new Promise<[number, string]>((resolve) =>
      client.once('close', (code, reason) => resolve([code, String(reason)])),
    );
    client.send('bye');
    expect(await closed).toEqual([4401, 'Sign in again']);
    // The tunnel is gone once either side closes.
    const deadline = Date.now() + 5_000;
    while (proxy.size > 0 && Date.now() < deadline)
      await new Promise((resolve) => setTimeout(resolve, 20));
    expect(proxy.size).toBe(0);
  });

  it('answers 503 when no instance can take the connection, and 404 off /graphql', async () => {
    target = undefined;
    expect(await refusedWith(`${routerUrl}/graphql`)).toBe(503);
    target = upstream.url;
    expect(await refusedWith(`${routerUrl}/elsewhere`)).toBe(404);
  });

  it('answers 502 when the instance cannot be reached', async () => {
    const gone = createServer();
    const port = await listening(gone);
    await new Promise((resolve) => gone.close(resolve));
    target = `ws://127.0.0.1:${port}/graphql`;
    expect(await refusedWith(`${routerUrl}/graphql`)).toBe(502);
  });

  it('answers 502 when the instance takes the connection and says nothing, or hangs up unanswered', async () => {
    const silent = createServer(() => undefined);
    const port = await listening(silent);
    target = `ws://127.0.0.1:${port}/graphql`;
    const started = Date.now();
    expect(await refusedWith(`${routerUrl}/graphql`)).toBe(502);
    expect(Date.now() - started).toBeGreaterThanOrEqual(4_900);
    silent.closeAllConnections();
    await new Promise((resolve) => silent.close(resolve));

    const rude = createNetServer((socket) => socket.destroy());
    target = `ws://127.0.0.1:${await listening(rude)}/graphql`;
    expect(await refusedWith(`${routerUrl}/graphql`)).toBe(502);
    await new Promise((resolve) => rude.close(resolve));
  });
});
