import { z } from 'zod';
import {
  MAX_TOKEN_AGE_SECONDS,
  baseConfigSchema,
  kafkaSettings,
  loadConfig,
  port,
} from '@ko/platform';

export const usersConfigSchema = baseConfigSchema.extend({
  PORT: port(4001),
  DATABASE_URL: z.string().url(),
  /** Where a development signing key is generated on first start. */
  KEYS_DIR: z.string().default('.data/keys'),
  /** The private JWK (JSON) that signs access tokens: RSA (RS256), or Ed25519. Required in production. */
  JWT_PRIVATE_JWK: z.string().optional(),
  TOKEN_TTL_SECONDS: z.coerce.number().int().min(1).max(MAX_TOKEN_AGE_SECONDS).default(3_600),
  /** Per account and address (sign-in-guard.ts). */
  LOGIN_ATTEMPTS_PER_ACCOUNT: z.coerce.number().int().min(1).default(5),
  LOGIN_ATTEMPTS_PER_ADDRESS: z.coerce.number().int().min(1).default(100),
  LOGIN_ACCOUNT_CEILING: z.coerce.number().int().min(1).default(50),
  LOGIN_KNOWN_ADDRESS_DAYS: z.coerce.number().int().min(1).default(30),
  LOGIN_WINDOW_SECONDS: z.coerce.number().int().min(1).default(900),
  LOGIN_LOCKOUT_SECONDS: z.coerce.number().int().min(1).default(60),
  LOGIN_MAX_LOCKOUT_SECONDS: z.coerce.number().int().min(1).default(3_600),
  REGISTRATIONS_PER_ADDRESS: z.coerce.number().int().min(1).default(20),
  REGISTRATION_WINDOW_SECONDS: z.coerce.number().int().min(1).default(3_600),
  /** Password-reset and verification mails one address, or one account, may ask for per window. */
  MAIL_REQUESTS_PER_WINDOW: z.coerce.number().int().min(1).default(5),
  MAIL_REQUEST_WINDOW_SECONDS: z.coerce.number().int().min(1).default(900),
  /** Facts for the mail function (sign-ups, verification and reset links) go out on Kafka. */
  ...kafkaSettings(),
});

/**
 * The signing key rule on its own: zod runs an object's refinements only once every field
 * parsed, so as part of the schema it would go unsaid whenever another variable is missing.
 */
const productionKeySchema = z
  .object({ NODE_ENV: z.string().optional(), JWT_PRIVATE_JWK: z.string().optional() })
  .refine((c) => c.NODE_ENV !== 'production' || c.JWT_PRIVATE_JWK, {
    message: 'JWT_PRIVATE_JWK is required in production',
    path: ['JWT_PRIVATE_JWK'],
  });

export type UsersConfig = z.infer<typeof usersConfigSchema>;
export const loadUsersConfig = (env?: Record<string, string | undefined>): UsersConfig => {
  loadConfig(productionKeySchema, env);
  return loadConfig(usersConfigSchema, env);
};
