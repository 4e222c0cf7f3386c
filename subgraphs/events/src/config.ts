import { z } from 'zod';
import { baseConfigSchema, jwksUrl, kafkaSettings, loadConfig, port } from '@ko/platform';

export const eventsConfigSchema = baseConfigSchema.extend({
  PORT: port(4002),
  DATABASE_URL: z.string().url(),
  JWKS_URL: jwksUrl(),
  ...kafkaSettings(),
});

export type EventsConfig = z.infer<typeof eventsConfigSchema>;
export const loadEventsConfig = (env?: Record<string, string | undefined>) =>
  loadConfig(eventsConfigSchema, env);
