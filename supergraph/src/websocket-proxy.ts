import type { IncomingMessage, Server } from 'node:http';
import { connect } from 'node:net';
import type { Duplex } from 'node:stream';
import type { Logger } from '@ko/platform/logger';

/** Chooses the subscriptions instance (its ws:// URL) for a new connection; undefined when none can take it. */
export type PickTarget = () => string | undefined;

export interface WebSocketProxy {
  /** Open tunnels (one per client connection). */
  readonly size: number;
  /** Cuts every tunnel: a closing router must not wait for long-lived sockets. */
  close(): void;
}

const WEBSOCKET_PATH = '/graphql';

/** Writes a plain HTTP error on a socket that asked to upgrade, and closes it. */
function refuse(socket: Duplex, status: number, reason: string, message: string): void {
  const body = JSON.stringify({
    errors: [
      { message, extensions: { code: status === 503 ? 'SERVICE_UNAVAILABLE' : 'BAD_REQUEST' } },
    ],
  });
  socket.end(
    `HTTP/1.1 ${status} ${reason}\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  );
}

/** Who the client is, for the instance: the hops before the router, then the router's peer. */
const forwardedFor = (req: IncomingMessage) =>
  [req.headers['x-forwarded-for'], req.socket.remoteAddress].filter(Boolean).join(', ');

/**
 * The client's upgrade request as raw HTTP for the instance: its headers as sent (Node's parser
 * has already refused any with a line break), the instance's host, and who forwarded it.
 */
function handshake(req: IncomingMessage, target: URL, forwarded: string): string {
  const query = req.url?.includes('?') ? req.url.slice(req.url.indexOf('?')) : '';
  const lines = [`GET ${target.pathname}${query} HTTP/1.1`, `Host: ${target.host}`];
  for (let i = 0; i < req.rawHeaders.length; i += 2) {
    const name = req.rawHeaders[i]!;
    if (!/^(host|x-forwarded-for)$/i.test(name)) lines.push(`${name}: ${req.rawHeaders[i + 1]}`);
  }
  lines.push(`X-Forwarded-For: ${forwarded}`);
  return `${lines.join('\r\n')}\r\n\r\n`;
}

/**
 * Passes WebSocket upgrades on /graphql through to a subscriptions instance: the handshake is
 * replayed to the target with the client's headers over a plain TCP connection, and from then
 * on the two sockets are piped byte for byte, the instance's 101 (or refusal) included. No HTTP
 * client sits in between: a tunnel is two sockets, which matters at thousands of them (a
 * waiting room's fans) in a router with a bounded heap. graphql-ws (its messages, pings and
 * close codes) therefore runs end to end between the client and the instance; the router neither
 * parses nor buffers frames.
 */
export function proxyWebSockets(
  server: Server,
  pickTarget: PickTarget,
  logger: Logger,
): WebSocketProxy {
  // Each client socket and the instance socket it is piped to.
  const tunnels = new Map<Duplex, Duplex>();
  const log = logger.child({ component: 'websocket-proxy' });

  server.on('upgrade', (req: IncomingMessage, client: Duplex, head: Buffer) => {
    client.on('error', () => client.destroy());
    const path = (req.url ?? '/').split('?')[0];
    if (path !== WEBSOCKET_PATH || (req.headers.upgrade ?? '').toLowerCase() !== 'websocket') {
      refuse(client, 404, 'Not Found', `WebSocket connections go to ${WEBSOCKET_PATH}.`);
      return;
    }
    const target = pickTarget();
    if (!target) {
      refuse(
        client,
        503,
        'Service Unavailable',
        'Live updates are unavailable right now; try again shortly.',
      );
      return;
    }
    const url = new URL(target);
    // Made now, so no closure below keeps the request (or the parser's buffer under `head`) alive
    // for as long as the tunnel lasts.
    const hello = handshake(req, url, forwardedFor(req));
    const early = head.length > 0 ? Buffer.from(head) : undefined;
    const instance = connect({
      host: url.hostname.replace(/^\[|\]$/g, ''),
      port: Number(url.port) || 80,
    });
    instance.setNoDelay(true);
    // Until the instance says anything: a connection that hangs is refused after 5 s.
    instance.setTimeout(5_000, () =>
      instance.destroy(new Error('no answer from the subscriptions instance within 5 s')),
    );
    let answered = false;
    instance.once('data', () => {
      answered = true;
      instance.setTimeout(0);
    });
    instance.once('connect', () => {
      instance.write(hello);
      if (early) instance.write(early);
      if ('setNoDelay' in client && typeof client.setNoDelay === 'function')
        client.setNoDelay(true);
      // The instance's answer (101 and its headers, or a refusal) and every frame after it
      // go to the client as bytes; either side ending or failing ends the other (below: an
      // instance that hangs up before answering gets the client a 502, not a bare close).
      instance.pipe(client, { end: false });
      client.pipe(instance);
      tunnels.set(client, instance);
    });
    const teardown = () => {
      tunnels.delete(client);
      client.destroy();
      instance.destroy();
    };
    // Lost before it answered: the client is refused (502), once, rather than left hanging.
    let refused = false;
    const lost = (error?: Error) => {
      if (refused) return;
      if (answered || client.destroyed || !client.writable) return teardown();
      refused = true;
      tunnels.delete(client);
      log.warn({ err: error, target }, 'cannot reach the subscriptions instance');
      refuse(
        client,
        502,
        'Bad Gateway',
        'Live updates are unavailable right now; try again shortly.',
      );
    };
    instance.on('error', lost);
    instance.on('close', () => lost());
    client.on('close', teardown);
  });

  return {
    get size() {
      return tunnels.size;
    },
    close() {
      for (const [client, instance] of tunnels) {
        instance.destroy();
        client.destroy();
      }
      tunnels.clear();
    },
  };
}
