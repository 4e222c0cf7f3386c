/**
 * The live relay between a subscriptions instance and the router. Every client's WebSocket runs
 * through the router as a byte tunnel (supergraph/src/websocket-proxy.ts), so a chat message to
 * 1,000 followers used to cross the machine twice per follower: written by the instance into
 * each tunnel, then read and written again by the router. Over the relay the instance sends one
 * copy of a shared result per router, and the router writes it into each follower's socket.
 *
 * One long-lived HTTP response per (router, instance), newline-delimited, in the order the
 * instance wrote it:
 * - `J[tunnel, group, id]`: subscription `id` on tunnel `tunnel` receives group `group`'s results;
 * - `L[tunnel, id]`: it no longer does;
 * - `S<group> <result JSON>`: a result for every member of `group`;
 * - `D[tunnel, id, result JSON]`: a result for that subscription alone (a payload that is not an
 *   object, which the instance cannot tell apart from an equal one of another publish).
 * The router names each tunnel in its handshake (`LIVE_RELAY_HEADER`, "<router id> <tunnel>"),
 * and drops that header from clients, so only its own tunnels are named.
 */

import { isUuid } from './ids';

export const LIVE_RELAY_PATH = '/live-relay';
export const LIVE_RELAY_HEADER = 'x-ko-live-relay';

export type RelayInstruction =
  | { kind: 'join'; tunnel: number; group: number; id: string }
  | { kind: 'leave'; tunnel: number; id: string }
  | { kind: 'send'; group: number; result: string }
  | { kind: 'direct'; tunnel: number; id: string; result: string };

export const joinLine = (tunnel: number, group: number, id: string) =>
  `J${JSON.stringify([tunnel, group, id])}\n`;
export const leaveLine = (tunnel: number, id: string) => `L${JSON.stringify([tunnel, id])}\n`;
/** `result` is JSON, which never holds a raw line break. */
export const sendLine = (group: number, result: string) => `S${group} ${result}\n`;
export const directLine = (tunnel: number, id: string, result: string) =>
  `D${JSON.stringify([tunnel, id, result])}\n`;

const isCount = (value: unknown): value is number =>
  typeof value === 'number' && Number.isSafeInteger(value) && value > 0;

/** One line of the relay (without its line break); undefined when it is not one. */
export function parseRelayLine(line: string): RelayInstruction | undefined {
  try {
    if (line.startsWith('S')) {
      const space = line.indexOf(' ');
      const group = Number(line.slice(1, space));
      return space > 1 && isCount(group)
        ? { kind: 'send', group, result: line.slice(space + 1) }
        : undefined;
    }
    const fields = JSON.parse(line.slice(1)) as unknown[];
    if (line.startsWith('J')) {
      const [tunnel, group, id] = fields;
      if (isCount(tunnel) && isCount(group) && typeof id === 'string')
        return { kind: 'join', tunnel, group, id };
    } else if (line.startsWith('D')) {
      const [tunnel, id, result] = fields;
      if (isCount(tunnel) && typeof id === 'string' && typeof result === 'string')
        return { kind: 'direct', tunnel, id, result };
    } else if (line.startsWith('L')) {
      const [tunnel, id] = fields;
      if (isCount(tunnel) && typeof id === 'string') return { kind: 'leave', tunnel, id };
    }
  } catch {
    // Not JSON: not a line of ours.
  }
  return undefined;
}

/** The value of `LIVE_RELAY_HEADER`, read back: undefined when absent or malformed. */
export function parseTunnelName(
  value: string | string[] | undefined,
): { routerId: string; tunnel: number } | undefined {
  if (typeof value !== 'string') return undefined;
  const match = /^(\S{36}) (\d{1,15})$/.exec(value);
  if (!match || !isUuid(match[1]!)) return undefined;
  const tunnel = Number(match[2]);
  return isCount(tunnel) ? { routerId: match[1]!, tunnel } : undefined;
}

/** graphql-ws's `next` message for subscription `id` up to its payload; `NEXT_END` closes it. */
export const nextPrefix = (id: string) => `{"id":${JSON.stringify(id)},"type":"next","payload":`;
export const NEXT_END = '}';

/** graphql-ws's `next` message for subscription `id`, carrying `result` (JSON). */
export const nextMessage = (id: string, result: string) => `${nextPrefix(id)}${result}${NEXT_END}`;
