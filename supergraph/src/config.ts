import { z } from 'zod';
import {
  baseConfigSchema,
  commaList,
  jwksUrl,
  loadConfig,
  millis,
  port,
  serviceList,
} from '@ko/platform/config';
import { slowReaderSettings } from '@ko/platform/slow-readers';

/** A comma-separated list of root fields (`Type.field`), as a set. */
const rootFields = (fallback: string) => commaList(fallback).transform((list) => new Set(list));

export const routerConfigSchema = baseConfigSchema.extend({
  PORT: port(4000),
  SERVICE_LIST: serviceList(),
  JWKS_URL: jwksUrl(),
  /** Every subgraph call gives up after this long, so one slow service cannot hang a query. */
  SUBGRAPH_TIMEOUT_MS: millis(5_000),
  /** Identical subgraph queries in flight at the same time share one fetch (see deduplication.ts). */
  DEDUPLICATE_SUBGRAPH_QUERIES: z
    .enum(['true', 'false'])
    .default('true')
    .transform((v) => v === 'true'),
  /**
   * Root fields whose operations yield to the rest under load (yielding-operations.ts): at most
   * YIELDING_CONCURRENCY of them run at once. Comma-separated `Type.field`; empty for none.
   */
  YIELDING_FIELDS: rootFields('Mutation.joinWaitingRoom'),
  YIELDING_CONCURRENCY: z.coerce.number().int().min(1).default(4),
  /**
   * Root fields whose operations are refused (SERVICE_UNAVAILABLE, retry after a second) while
   * the router's event loop runs later than SHED_AT_LOOP_DELAY_MS, read over each
   * LOOP_DELAY_WINDOW_MS (shedding-operations.ts). Comma-separated `Type.field`; empty for none.
   */
  SHEDDING_FIELDS: rootFields('Mutation.postMessage'),
  SHED_AT_LOOP_DELAY_MS: millis(100),
  LOOP_DELAY_WINDOW_MS: millis(250),
  /** How often every instance's /health is polled. */
  HEALTH_INTERVAL_MS: millis(2_000),
  HEALTH_TIMEOUT_MS: millis(1_000),
  /** How often the service list and schema files are checked for changes. */
  WATCH_INTERVAL_MS: millis(1_000),
  /**
   * How far behind a WebSocket client may fall on what the router writes to it itself (results
   * relayed from a subscriptions instance) before it is disconnected with 1013: the same bounds
   * as the subscriptions service's.
   */
  ...slowReaderSettings(),
  MAX_BODY_BYTES: z.coerce.number().int().min(1_024).default(102_400),
  MAX_QUERY_DEPTH: z.coerce.number().int().min(1).default(12),
  MAX_QUERY_ALIASES: z.coerce.number().int().min(0).default(30),
  MAX_QUERY_TOKENS: z.coerce.number().int().min(10).default(3_000),
  MAX_QUERY_DIRECTIVES: z.coerce.number().int().min(0).default(20),
  /** See cost.ts: objects 1, lists times their `first` or documented size, `@cost` weights. */
  MAX_QUERY_COST: z.coerce.number().int().min(1).default(5_000),
  /** Fields of `@cost(weight: 100)` or more (`pdf`, `salesReport`) one request may resolve. */
  MAX_EXPENSIVE_FIELDS: z.coerce.number().int().min(0).default(2),
  /** Schema introspection; off in production unless set. Field suggestions go with it. */
  INTROSPECTION: z.enum(['true', 'false']).optional(),
  /**
   * Where /metrics and the detailed /health are served in production (loopback by default);
   * the public port then answers /health with liveness only. 0 picks a free port.
   */
  ADMIN_PORT: port(4090),
  ADMIN_HOST: z.string().default('127.0.0.1'),
  /** Browser origins allowed to call the API (comma-separated). */
  CORS_ORIGINS: commaList('http://localhost:5173,http://127.0.0.1:5173'),
  /** The web client's registered operations (written by its build). */
  TRUSTED_DOCUMENTS: z.string().optional(),
  /** Accept only registered operations. */
  TRUSTED_DOCUMENTS_ONLY: z
    .enum(['true', 'false'])
    .default('false')
    .transform((v) => v === 'true'),
});

export type RouterConfig = Omit<z.infer<typeof routerConfigSchema>, 'INTROSPECTION'> & {
  INTROSPECTION: boolean;
};
export const loadRouterConfig = (env?: Record<string, string | undefined>): RouterConfig => {
  const config = loadConfig(routerConfigSchema, env);
  return {
    ...config,
    INTROSPECTION: (config.INTROSPECTION ?? String(config.NODE_ENV !== 'production')) === 'true',
  };
};
