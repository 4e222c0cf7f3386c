import { sendJson, type Route } from '@ko/platform/http';
import { httpRequest } from '@ko/platform/http-client';
import type { Registry } from './registry';

/** Where door scanners find the key that signs ticket codes (DESIGN.md), on the router's origin. */
export const TICKET_SIGNING_KEY_PATH = '/.well-known/ticket-signing-key';

/**
 * Serves the tickets service's public signing key on the router's origin, fetched from a healthy
 * tickets instance and kept: the key changes only when tickets restarts with another one, so a
 * copy at most `ttlMs` old is served (and the last good one while tickets cannot answer).
 */
export function ticketSigningKeyRoute(registry: Registry, ttlMs = 60_000): Route {
  let kept: { key: unknown; at: number } | undefined;
  return async (_req, res) => {
    if (!kept || Date.now() - kept.at > ttlMs) {
      const instance = registry.pick('tickets');
      try {
        if (!instance) throw new Error('no tickets instance');
        const response = await httpRequest(new URL(TICKET_SIGNING_KEY_PATH, instance.url), {
          timeoutMs: 3_000,
        });
        if (!response.ok) throw new Error(`tickets answered ${response.status}`);
        kept = { key: await response.json(), at: Date.now() };
      } catch {
        if (!kept)
          return sendJson(res, 503, { error: 'The ticket-signing key is unavailable; try again.' });
      }
    }
    res.setHeader('cache-control', 'public, max-age=300');
    sendJson(res, 200, kept.key);
  };
}
