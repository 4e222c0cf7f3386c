import { z } from 'zod';
import {
  baseConfigSchema,
  jwksUrl,
  kafkaSettings,
  loadConfig,
  millis,
  port,
  serviceList,
} from '@ko/platform';

export const chatConfigSchema = baseConfigSchema.extend({
  PORT: port(4004),
  DATABASE_URL: z.string().url(),
  JWKS_URL: jwksUrl(),
  ...kafkaSettings(),
  /** Locates the events service, which says whether an event is open and who organizes it. */
  SERVICE_LIST: serviceList(),
  /** How long an event's status and organizer are trusted before asking the events service again. */
  EVENT_CACHE_TTL_MS: millis(3_000),
  /** Posting limit per user per event: this many messages... */
  CHAT_RATE_LIMIT_POINTS: z.coerce.number().int().min(1).default(10),
  /** ...per this many seconds. */
  CHAT_RATE_LIMIT_SECONDS: z.coerce.number().int().min(1).default(10),
});

export type ChatConfig = z.infer<typeof chatConfigSchema>;
export const loadChatConfig = (env?: Record<string, string | undefined>) =>
  loadConfig(chatConfigSchema, env);
