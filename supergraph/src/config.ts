import { z } from 'zod';
import { baseConfigSchema, loadConfig, millis, port, serviceList } from '@ko/platform';

export const gatewayConfigSchema = baseConfigSchema.extend({
  PORT: port(4000),
  SERVICE_LIST: serviceList(),
  /** Every subgraph call gives up after this long, so one slow service cannot hang a query. */
  SUBGRAPH_TIMEOUT_MS: millis(5_000),
  /** How often every instance's /health is polled. */
  HEALTH_INTERVAL_MS: millis(2_000),
  HEALTH_TIMEOUT_MS: millis(1_000),
  /** How often the service list and schema files are checked for changes. */
  WATCH_INTERVAL_MS: millis(1_000),
});

export type GatewayConfig = z.infer<typeof gatewayConfigSchema>;
export const loadGatewayConfig = (env?: Record<string, string | undefined>) =>
  loadConfig(gatewayConfigSchema, env);
