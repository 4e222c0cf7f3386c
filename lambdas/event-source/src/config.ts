import { z } from 'zod';
import { Topics, baseConfigSchema, commaList, kafkaSettings, loadConfig, port } from '@ko/platform';

const MAIL_TOPICS = [
  Topics.usersAccounts,
  Topics.ordersPlaced,
  Topics.ordersCancelled,
  Topics.eventsLifecycle,
];

export const eventSourceConfigSchema = baseConfigSchema.extend({
  /** /health only. */
  PORT: port(4006),
  /** The mail function's database (its records); its migrations are run here at start. */
  DATABASE_URL: z.string().url(),
  ...kafkaSettings(),
  /** The mapping's consumer group (the `mail` account may use groups named `mail…`). */
  KAFKA_CONSUMER_GROUP: z.string().min(1).default('mail'),
  EVENT_SOURCE_TOPICS: commaList(MAIL_TOPICS.join(',')),
  /** The function's logical name (the invoker maps it to a deployed name: LAMBDA_SEND_MAIL_FUNCTION). */
  EVENT_SOURCE_FUNCTION: z.string().default('send-mail'),
  /** LATEST: a new mapping mails only what happens after it starts (not every past sign-up). */
  EVENT_SOURCE_STARTING_POSITION: z.enum(['LATEST', 'TRIM_HORIZON']).default('LATEST'),
  EVENT_SOURCE_BATCH_SIZE: z.coerce.number().int().min(1).max(10_000).default(100),
  EVENT_SOURCE_MAX_ATTEMPTS: z.coerce.number().int().min(1).default(8),
  EVENT_SOURCE_RETRY_BASE_MS: z.coerce.number().int().min(1).default(500),
  EVENT_SOURCE_RETRY_MAX_MS: z.coerce.number().int().min(1).default(30_000),
});

export type EventSourceConfig = z.infer<typeof eventSourceConfigSchema>;
export const loadEventSourceConfig = (env?: Record<string, string | undefined>) =>
  loadConfig(eventSourceConfigSchema, env);
