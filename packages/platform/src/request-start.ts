import type { IncomingMessage } from 'node:http';
import type { ProxyTrust } from './client-address';

/**
 * The header in which the router states when it received the client's request, as web proxies
 * do (`X-Request-Start: t=<ms since the epoch>`), so a subgraph can tell how long the client has
 * been waiting, not only how long it has itself.
 */
export const REQUEST_START_HEADER = 'x-request-start';

/** A stamp is believed within this much of the subgraph's own clock (hosts' clocks drift). */
const MAX_SKEW_MS = 1_000;
/** Nor older than this: past any deadline of the router's (its subgraph timeout is 5 s). */
const MAX_AGE_MS = 60_000;

/** The header's value for a request received at `receivedAt` (ms since the epoch). */
export const requestStartStamp = (receivedAt: number): string => `t=${Math.round(receivedAt)}`;

/**
 * When the request reached the edge (ms since the epoch): the stamp of a trusted proxy (TRUST_PROXY,
 * the same trust as its `x-forwarded-for`) when it is sane, else when it reached us (`arrivedAt`).
 * Anyone else's stamp is ignored, so a caller cannot make its request look older than it is.
 */
export function requestStartOf(
  req: IncomingMessage,
  trust: ProxyTrust,
  arrivedAt = Date.now(),
): number {
  const peer = req.socket.remoteAddress;
  const header = req.headers[REQUEST_START_HEADER];
  if (!peer || typeof header !== 'string' || !trust(peer, 0)) return arrivedAt;
  const match = /^t=(\d{1,16})$/.exec(header.trim());
  const stamp = match ? Number(match[1]) : NaN;
  if (!(stamp <= arrivedAt + MAX_SKEW_MS && stamp >= arrivedAt - MAX_AGE_MS)) return arrivedAt;
  return Math.min(stamp, arrivedAt);
}
