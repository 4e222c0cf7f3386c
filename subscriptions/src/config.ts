import { z } from 'zod';
import {
  baseConfigSchema,
  jwksUrl,
  kafkaSettings,
  loadConfig,
  millis,
  port,
  serviceList,
} from '@ko/platform/config';
import { slowReaderSettings } from '@ko/platform/slow-readers';

export const subscriptionsConfigSchema = baseConfigSchema.extend({
  PORT: port(4005),
  JWKS_URL: jwksUrl(),
  ...kafkaSettings(),
  /** Locates the events service (who organizes an event) and tickets (its tiers). */
  SERVICE_LIST: serviceList(),
  EVENT_CACHE_TTL_MS: millis(3_000),
  /** WebSocket ping interval; a client that misses a pong for as long is disconnected. */
  KEEP_ALIVE_MS: millis(15_000),
  /** Unsent bytes, and how long a client may stay behind (also on queued payloads). */
  ...slowReaderSettings(),
  /**
   * How often the read-lag watch turns (read-lag.ts): it pings each client being fed, at most once
   * per MAX_LAG_MS, to time its reading end to end, and disconnects one whose ping has waited past
   * MAX_LAG_MS while it was fed more.
   */
  READ_LAG_CHECK_MS: millis(250),
  /** Payloads waiting for one subscription before its client counts as too slow. */
  MAX_QUEUED_PER_SUBSCRIPTION: z.coerce.number().int().min(1).default(500),
  /** Shortest time between two `eventUpdated` payloads of one event (coalescing under a rush). */
  EVENT_UPDATE_INTERVAL_MS: millis(250),
  /** Shortest time between two position-only `queueTicketUpdated` payloads of one room's fans. */
  QUEUE_POSITION_INTERVAL_MS: millis(2_000),
  /** How often a signed-in socket's token is checked again (expiry, ended sessions). */
  SESSION_RECHECK_MS: millis(30_000),
  MAX_SUBSCRIPTIONS_PER_CONNECTION: z.coerce.number().int().min(1).default(50),
  /**
   * Most sockets one instance serves; the next are closed with 1013 ("try again later") and the
   * client reconnects, through the router, to an instance with room. About 17 KB of heap each, so
   * the default fits the process's heap limit (256 MB, deployment/services.ts) with room.
   */
  MAX_CONNECTIONS: z.coerce.number().int().min(1).default(8_000),
});

export type SubscriptionsConfig = z.infer<typeof subscriptionsConfigSchema>;
export const loadSubscriptionsConfig = (env?: Record<string, string | undefined>) =>
  loadConfig(subscriptionsConfigSchema, env);
