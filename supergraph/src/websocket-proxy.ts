import type { IncomingMessage, Server } from 'node:http';
import { connect } from 'node:net';
import type { Duplex } from 'node:stream';
import type { Logger } from '@ko/platform/logger';
import { LIVE_RELAY_HEADER } from '@ko/platform/live-relay';
import {
  SendBacklog,
  TOO_SLOW_CLOSE_CODE,
  TOO_SLOW_REASON,
  type BacklogLimits,
} from '@ko/platform/slow-readers';
import type { LiveRelay } from './live-relay';
import { FrameCursor, closeFrame } from './websocket-frames';

/** Chooses the subscriptions instance (its ws:// URL) for a new connection; undefined when none can take it. */
export type PickTarget = () => string | undefined;

export interface WebSocketProxy {
  /** Open tunnels (one per client connection). */
  readonly size: number;
  /** Clients disconnected (1013) for falling behind on what the router wrote to them itself. */
  readonly slowClientsDropped: number;
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

/** Headers the router states itself: a client's own are dropped. */
const ROUTER_HEADERS = new RegExp(`^(host|x-forwarded-for|${LIVE_RELAY_HEADER})$`, 'i');

/**
 * The client's upgrade request as raw HTTP for the instance: its headers as sent (Node's parser
 * has already refused any with a line break), the instance's host, who forwarded it, and the
 * tunnel's name on the live relay.
 */
function handshake(
  req: IncomingMessage,
  target: URL,
  forwarded: string,
  tunnelName: string | undefined,
): string {
  const query = req.url?.includes('?') ? req.url.slice(req.url.indexOf('?')) : '';
  const lines = [`GET ${target.pathname}${query} HTTP/1.1`, `Host: ${target.host}`];
  for (let i = 0; i < req.rawHeaders.length; i += 2) {
    const name = req.rawHeaders[i]!;
    if (!ROUTER_HEADERS.test(name)) lines.push(`${name}: ${req.rawHeaders[i + 1]}`);
  }
  lines.push(`X-Forwarded-For: ${forwarded}`);
  if (tunnelName) lines.push(`${LIVE_RELAY_HEADER}: ${tunnelName}`);
  return `${lines.join('\r\n')}\r\n\r\n`;
}

/** The live relay, and how far behind on its results a client may fall. */
export interface LiveDelivery extends BacklogLimits {
  relay: LiveRelay;
}

/**
 * Passes WebSocket upgrades on /graphql through to a subscriptions instance: the handshake is
 * replayed to the target with the client's headers over a plain TCP connection, and from then
 * on the two sockets are piped byte for byte, the instance's 101 (or refusal) included. No HTTP
 * client sits in between: a tunnel is two sockets, which matters at thousands of them (a
 * waiting room's fans) in a router with a bounded heap. graphql-ws (its messages, pings and
 * close codes) therefore runs end to end between the client and the instance; the router reads
 * only the instance's frame headers, to know where a frame ends.
 *
 * With `live`, the router also writes frames of its own into a tunnel: results the instance
 * shares among many clients and sends once over its live relay (live-relay.ts), each going in
 * between two of the instance's frames. A client that falls behind on those is shed (1013) here,
 * as the instance sheds one that falls behind on its own frames.
 */
export function proxyWebSockets(
  server: Server,
  pickTarget: PickTarget,
  logger: Logger,
  live?: LiveDelivery,
): WebSocketProxy {
  // Each client socket and the instance socket it is piped to.
  const tunnels = new Map<Duplex, Duplex>();
  const log = logger.child({ component: 'websocket-proxy' });
  let slowClientsDropped = 0;

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
    // The instance's bytes, followed to frame boundaries: where the router's own frames go in.
    const cursor = new FrameCursor();
    const waiting: Buffer[] = [];
    const backlog = new SendBacklog();
    const flushWaiting = () => {
      if (waiting.length === 0 || !cursor.atBoundary) return;
      for (const frame of waiting.splice(0)) client.write(frame);
    };
    let shedding = false;
    const shed = () => {
      slowClientsDropped += 1;
      shedding = true;
      if (cursor.atBoundary) client.end(closeFrame(TOO_SLOW_CLOSE_CODE, TOO_SLOW_REASON));
      else client.destroy();
      // The instance ends the subscriptions of its side of the tunnel as it closes.
      instance.destroy();
      // A socket that is not draining may never take the close frame.
      setTimeout(() => client.destroy(), 5_000).unref();
    };
    // A relayed result for this client: written between the instance's frames, never after its
    // close; a client that falls too far behind on them is shed as the instance would shed it.
    const inject = (frame: Buffer) => {
      if (!cursor.upgraded || cursor.closed || client.destroyed || !client.writable) return;
      if (backlog.tooFar(client.writableLength, Date.now(), live!)) return shed();
      if (waiting.length === 0 && cursor.atBoundary) client.write(frame);
      else waiting.push(frame);
    };
    const attached = live?.relay.attach(url, inject);
    // Made now, so no closure below keeps the request (or the parser's buffer under `head`) alive
    // for as long as the tunnel lasts.
    const hello = handshake(req, url, forwardedFor(req), attached?.name);
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
      // go to the client as bytes, following the client's backpressure; either side ending or
      // failing ends the other (below: an instance that hangs up before answering gets the
      // client a 502, not a bare close).
      instance.on('data', (chunk: Buffer) => {
        if (!client.write(chunk)) instance.pause();
        cursor.advance(chunk);
        flushWaiting();
      });
      client.on('drain', () => instance.resume());
      client.pipe(instance);
      tunnels.set(client, instance);
    });
    const teardown = () => {
      attached?.detach();
      tunnels.delete(client);
      // A shed client is left its close frame to read (shed, above, bounds how long).
      if (!shedding) client.destroy();
      instance.destroy();
    };
    // Lost before it answered: the client is refused (502), once, rather than left hanging.
    let refused = false;
    const lost = (error?: Error) => {
      if (refused) return;
      if (answered || client.destroyed || !client.writable) return teardown();
      refused = true;
      attached?.detach();
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
    get slowClientsDropped() {
      return slowClientsDropped;
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
