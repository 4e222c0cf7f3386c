import pino, { type DestinationStream, type Logger } from 'pino';

export type { Logger };

/** Keys whose values never reach a log, at any depth of a logged error. */
const SECRET_KEYS = new Set([
  'parameters', // TypeORM's QueryFailedError: the statement's values (a password hash on insert)
  'password',
  'passwordHash',
  'password_hash',
  'token',
  'authorization',
]);
/**
 * Secrets that show up inside text: argon2 hashes (PostgreSQL quotes a failing row in `detail`)
 * and signed tokens (JWTs).
 */
const SECRET_TEXT = /\$argon2(?:id|i|d)\$[^\s)'"]+|eyJ[\w-]+\.[\w-]+\.[\w-]+/g;
/** PostgreSQL's `detail` quoting a whole row (a constraint violation): every column, secrets too. */
const FAILING_ROW = /Failing row contains \(.*\)/gs;

function scrub(value: unknown, depth = 0): unknown {
  if (typeof value === 'string')
    return value
      .replace(FAILING_ROW, 'Failing row contains ([redacted])')
      .replace(SECRET_TEXT, '[redacted]');
  if (!value || typeof value !== 'object' || depth > 6) return value;
  if (Array.isArray(value)) return value.map((item) => scrub(item, depth + 1));
  return Object.fromEntries(
    Object.entries(value).map(([key, child]) => [
      key,
      SECRET_KEYS.has(key) ? '[redacted]' : scrub(child, depth + 1),
    ]),
  );
}

/** pino's error serializer, scrubbed of secrets (above). */
export const serializeError = (error: unknown): unknown =>
  scrub(error instanceof Error ? pino.stdSerializers.err(error) : error);

/** Structured JSON logs; secrets are redacted wherever they appear. */
export function createLogger(
  service: string,
  level: string = process.env.LOG_LEVEL ?? 'info',
  destination?: DestinationStream,
): Logger {
  const options: pino.LoggerOptions = {
    name: service,
    level,
    base: { service },
    serializers: { err: serializeError, error: serializeError },
    redact: {
      paths: [
        'password',
        '*.password',
        '*.*.password',
        'token',
        '*.token',
        'authorization',
        '*.authorization',
        'headers.authorization',
        'req.headers.authorization',
        'variables.password',
        'variables.input.password',
      ],
      censor: '[redacted]',
    },
  };
  return destination ? pino(options, destination) : pino(options);
}
