import { z } from 'zod';
import { trustProxy } from './client-address';

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

/** The service list (supergraph.yaml) that locates other services. */
export const serviceList = () => z.string().default('supergraph.yaml');

/** Variables every service reads. Services extend this with their own. */
export const baseConfigSchema = z.object({
  NODE_ENV: z.enum(['development', 'test', 'production']).default('development'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  HOST: z.string().default('127.0.0.1'),
  /** Proxies whose `x-forwarded-for` is believed (client-address.ts); none by default. */
  TRUST_PROXY: trustProxy(),
  /** How long a service trusts the users service's answer that a session is current (session-check.ts). */
  SESSION_CACHE_SECONDS: z.coerce.number().int().min(0).max(300).default(30),
  SERVICE_LIST: serviceList(),
});

/**
 * Parses the environment against a schema once, at start-up. A bad value stops the
 * service with a message naming the variable, instead of failing later at first use.
 */
export function loadConfig<S extends z.ZodTypeAny>(
  schema: S,
  env: Record<string, string | undefined> = process.env,
): z.infer<S> {
  // Empty strings mean "not set", so defaults apply (docker-compose passes `VAR=`).
  const cleaned = Object.fromEntries(
    Object.entries(env).filter(([, v]) => v !== undefined && v !== ''),
  );
  const result = schema.safeParse(cleaned);
  if (!result.success) {
    const problems = result.error.issues
      .map((issue) => `${issue.path.join('.') || '(env)'}: ${issue.message}`)
      .join('; ');
    throw new ConfigError(`Invalid configuration: ${problems}`);
  }
  return result.data;
}

/** A port number from the environment (0 picks a free port, used by tests). */
export const port = (fallback: number) =>
  z.coerce.number().int().min(0).max(65535).default(fallback);

/** A duration in milliseconds. */
export const millis = (fallback: number) => z.coerce.number().int().min(1).default(fallback);

/** Where services fetch the users service's public keys. */
export const jwksUrl = () =>
  z.string().url().default('http://127.0.0.1:4001/.well-known/jwks.json');

/** A comma-separated list, its entries trimmed and empty ones dropped. */
export const commaList = (fallback: string) =>
  z
    .string()
    .default(fallback)
    .transform((value) =>
      value
        .split(',')
        .map((entry) => entry.trim())
        .filter(Boolean),
    );

/** Comma-separated `host:port` list. */
export const kafkaBrokers = () => commaList('127.0.0.1:9092');

/**
 * A Kafka-using service's settings: the brokers and its own broker account (SASL/SCRAM). Each
 * service has its own, and the broker's ACLs limit it to the topics it writes and reads.
 */
export const kafkaSettings = () => ({
  KAFKA_BROKERS: kafkaBrokers(),
  KAFKA_USERNAME: z.string().min(1, "required: the service's Kafka account"),
  KAFKA_PASSWORD: z.string().min(1, 'required: the password of KAFKA_USERNAME'),
});

/** The `createKafka` options of a config that has `kafkaSettings()`. */
export const kafkaConnection = (config: {
  KAFKA_BROKERS: string[];
  KAFKA_USERNAME: string;
  KAFKA_PASSWORD: string;
}) => ({
  brokers: config.KAFKA_BROKERS,
  login: { username: config.KAFKA_USERNAME, password: config.KAFKA_PASSWORD },
});
