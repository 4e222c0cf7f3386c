import { request, type IncomingMessage, type Server } from 'node:http';
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

/** The status line and headers of the target's answer, as raw HTTP for the client's socket. */
function rawHead(response: IncomingMessage): string {
  const lines = [`HTTP/1.1 ${response.statusCode} ${response.statusMessage}`];
  for (let i = 0; i < response.rawHeaders.length; i += 2)
    lines.push(`${response.rawHeaders[i]}: ${response.rawHeaders[i + 1]}`);
  return `${lines.join('\r\n')}\r\n\r\n`;
}

/**
 * Passes WebSocket upgrades on /graphql through to a subscriptions instance: the handshake is
 * replayed to the target with the client's headers, and once it answers 101 the two sockets
 * are piped byte for byte. graphql-ws (its messages, pings and close codes) therefore runs end
 * to end between the client and the instance; the router neither parses nor buffers frames.
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
    const query = req.url?.includes('?') ? req.url.slice(req.url.indexOf('?')) : '';
    const forwardedFor = [req.headers['x-forwarded-for'], req.socket.remoteAddress]
      .filter(Boolean)
      .join(', ');
    const upstream = request({
      host: url.hostname.replace(/^\[|\]$/g, ''),
      port: url.port,
      path: `${url.pathname}${query}`,
      method: 'GET',
      headers: { ...req.headers, host: url.host, 'x-forwarded-for': forwardedFor },
      timeout: 5_000,
    });

    let tunnelled = false;
    client.once('close', () => {
      if (!tunnelled) upstream.destroy();
    });
    upstream.on('upgrade', (response: IncomingMessage, instance: Duplex, instanceHead: Buffer) => {
      tunnelled = true;
      upstream.setTimeout(0);
      if (client.destroyed) {
        instance.destroy();
        return;
      }
      client.write(rawHead(response));
      if (instanceHead.length > 0) client.write(instanceHead);
      if (head.length > 0) instance.write(head);
      for (const socket of [client, instance]) {
        if ('setNoDelay' in socket && typeof socket.setNoDelay === 'function')
          socket.setNoDelay(true);
        if ('setTimeout' in socket && typeof socket.setTimeout === 'function') socket.setTimeout(0);
      }
      // Either side ending or failing ends the other: no half-open tunnels.
      const teardown = () => {
        client.destroy();
        instance.destroy();
        tunnels.delete(client);
      };
      instance.on('error', teardown);
      instance.on('close', teardown);
      client.on('close', teardown);
      instance.pipe(client);
      client.pipe(instance);
      tunnels.set(client, instance);
    });

    // The instance answered without upgrading (e.g. 400): pass its answer on as is.
    upstream.on('response', (response: IncomingMessage) => {
      client.write(rawHead(response));
      response.pipe(client);
    });

    upstream.on('timeout', () =>
      upstream.destroy(new Error('no answer from the subscriptions instance within 5 s')),
    );
    upstream.on('error', (error: Error) => {
      log.warn({ err: error, target }, 'cannot reach the subscriptions instance');
      if (!tunnelled && !client.destroyed && client.writable)
        refuse(
          client,
          502,
          'Bad Gateway',
          'Live updates are unavailable right now; try again shortly.',
        );
    });
    upstream.end();
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
