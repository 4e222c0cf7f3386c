import type { IncomingMessage } from 'node:http';
import type { ProxyTrust } from './client-address';

/**
 * When the router received a request, as it tells the subgraphs: `x-request-start: t=<ms since
 * the epoch>` (the form load balancers and APM agents use). A request the router holds before
 * calling a subgraph (a yielding operation, a busy moment) is still dated by its arrival: a fan
 * who asked to join a waiting room before the sale's start is in its draw however late the
 * tickets service gets to the join.
 */
export const REQUEST_START_HEADER = 'x-request-start';

export const requestStartValue = (receivedAtMs: number) => `t=${Math.floor(receivedAtMs)}`;

/** Older than this, a stated start is taken as this old: no caller dates itself back further. */
export const MAX_REQUEST_AGE_MS = 60_000;

/**
 * When the request reached the edge: what a trusted proxy (the router, by TRUST_PROXY) states in
 * `x-request-start`, never later than now nor older than MAX_REQUEST_AGE_MS; now otherwise, so a
 * client calling a subgraph directly cannot date its own request.
 */
export function requestStartOf(req: IncomingMessage, trust: ProxyTrust, now = Date.now()): Date {
  const stated = req.headers[REQUEST_START_HEADER];
  const peer = req.socket.remoteAddress;
  if (typeof stated !== 'string' || !peer || !trust(peer, 0)) return new Date(now);
  const match = /^t=(\d{1,16})$/.exec(stated.trim());
  if (!match) return new Date(now);
  return new Date(Math.min(now, Math.max(now - MAX_REQUEST_AGE_MS, Number(match[1]))));
}
