import { z } from 'zod';
import {
  baseConfigSchema,
  jwksUrl,
  kafkaSettings,
  lambdaInvokerConfigFromEnv,
  loadConfig,
  millis,
  port,
  serviceList,
  type LambdaInvokerConfig,
} from '@ko/platform';

export const ticketsConfigSchema = baseConfigSchema
  .extend({
    PORT: port(4003),
    DATABASE_URL: z.string().url(),
    JWKS_URL: jwksUrl(),
    ...kafkaSettings(),
    /**
     * Consumer group on events.lifecycle: every tickets instance of one deployment shares it, so
     * each cancellation is handled once. Deployments sharing a broker (test stacks) need their own.
     * The broker lets the tickets account use only groups whose names start with `tickets`.
     */
    KAFKA_CONSUMER_GROUP: z
      .string()
      .startsWith(
        'tickets',
        'must start with "tickets" (the broker lets the tickets account use no other group)',
      )
      .default('tickets'),
    /** Locates the events service, which is asked for an event's current state. */
    SERVICE_LIST: serviceList(),
    /** Where a development ticket-signing key is generated on first start. */
    KEYS_DIR: z.string().default('.data/keys'),
    /** The Ed25519 private JWK (JSON) that signs ticket codes. Required in production. */
    TICKET_SIGNING_PRIVATE_JWK: z.string().optional(),
    /** How long a hold keeps its places before they go back on sale. */
    HOLD_TTL_SECONDS: z.coerce.number().int().min(1).max(3_600).default(600),
    /** How often expired holds are swept back into the tiers. */
    HOLD_SWEEP_INTERVAL_MS: millis(5_000),
    /** Most tickets one fan may own or hold for one event, against bulk buying. */
    PER_FAN_EVENT_LIMIT: z.coerce.number().int().min(1).max(1_000).default(8),
    /**
     * Most places one fan may hold at once across every event (holds not yet checked out),
     * against squatting many events' stock with holds that are never paid.
     */
    PER_FAN_HELD_LIMIT: z.coerce.number().int().min(1).max(10_000).default(16),
    /** How long a waiting room's admission lasts: enough to choose and pay. */
    WAITING_ROOM_ADMISSION_SECONDS: z.coerce.number().int().min(1).max(3_600).default(300),
    /**
     * Most fans a waiting room lets in at once who have not bought yet: the next are admitted as
     * these buy (or their admission runs out), so the box office is never flooded. The room
     * starts at WAITING_ROOM_MIN_ADMITTED and moves between the two with the box office's answer
     * times (AdmissionPace): up while holds and purchases answer within WAITING_ROOM_TARGET_MS.
     */
    WAITING_ROOM_MAX_ADMITTED: z.coerce.number().int().min(1).max(100_000).default(1_000),
    WAITING_ROOM_MIN_ADMITTED: z.coerce.number().int().min(1).max(100_000).default(10),
    WAITING_ROOM_TARGET_MS: millis(75),
    /** How often each instance looks at every waiting room (it also does after each sale). */
    WAITING_ROOM_INTERVAL_MS: millis(250),
    /**
     * The draw waits after the sale's start until no join asked before it has come in for this
     * long: joins held on their way (in the router's line, in a busy on-sale) are in it.
     */
    WAITING_ROOM_DRAW_QUIET_MS: millis(1_000),
    /** Fixes the waiting rooms' shuffle (tests only); unset, places are cryptographically random. */
    WAITING_ROOM_SHUFFLE_SEED: z.string().min(1).optional(),
    DATABASE_POOL_SIZE: z.coerce.number().int().min(2).max(100).default(10),
    /**
     * Reserve, checkout and purchase attempts one buyer may make per minute, counted in the
     * database so every instance enforces the same limit (against scalpers' bots).
     */
    PURCHASES_PER_MINUTE: z.coerce.number().int().min(1).default(20),
    /**
     * Deadline for one lambda call (Order.pdf, Event.salesReport), retries included. Below the
     * router's subgraph timeout (5 s), so the client gets our explanation rather than the router's.
     * The other invoker settings (LAMBDA_ENDPOINT, AWS_REGION, LAMBDA_MAX_RETRIES, function names)
     * are read by the platform's `lambdaInvokerConfigFromEnv`.
     */
    LAMBDA_TIMEOUT_MS: millis(4_000),
    /** Reserve and purchase only for accounts with a verified address (verified-buyers.ts). */
    REQUIRE_VERIFIED_EMAIL: z
      .enum(['true', 'false'])
      .default('false')
      .transform((v) => v === 'true'),
  })
  .refine((c) => c.NODE_ENV !== 'production' || c.TICKET_SIGNING_PRIVATE_JWK, {
    message: 'TICKET_SIGNING_PRIVATE_JWK is required in production',
    path: ['TICKET_SIGNING_PRIVATE_JWK'],
  });

export type TicketsConfig = z.infer<typeof ticketsConfigSchema> & {
  /** How to reach the lambdas: the runner's endpoint locally, real AWS Lambda without one. */
  lambda: LambdaInvokerConfig;
};

export function loadTicketsConfig(
  env: Record<string, string | undefined> = process.env,
): TicketsConfig {
  const config = loadConfig(ticketsConfigSchema, env);
  return {
    ...config,
    lambda: { ...lambdaInvokerConfigFromEnv(env), timeoutMs: config.LAMBDA_TIMEOUT_MS },
  };
}
