import type { DataSource, QueryRunner } from 'typeorm';
import { RateLimiterPostgres, RateLimiterRes } from 'rate-limiter-flexible';
import { DomainError } from './errors';

/**
 * A limiter whose counters live in the service's own PostgreSQL, so every instance of the
 * service enforces the same limit. The table comes from a migration (`createRateLimitTable`).
 */
export function createRateLimiter(
  db: DataSource,
  options: {
    table: string;
    keyPrefix: string;
    points: number;
    durationSeconds: number;
    blockSeconds?: number;
    /** Once a key is over the limit, refuse it from memory (no database call) until its window ends. */
    blockInMemory?: boolean;
  },
): RateLimiterPostgres {
  return new RateLimiterPostgres({
    storeClient: db,
    storeType: 'typeorm',
    tableName: options.table,
    tableCreated: true,
    keyPrefix: options.keyPrefix,
    points: options.points,
    duration: options.durationSeconds,
    blockDuration: options.blockSeconds ?? 0,
    ...(options.blockInMemory ? { inMemoryBlockOnConsumed: options.points + 1 } : {}),
  });
}

/** rate-limiter-flexible's PostgreSQL layout. */
export async function createRateLimitTable(q: QueryRunner, table: string): Promise<void> {
  await q.query(`CREATE TABLE ${table} (
    key varchar(255) PRIMARY KEY,
    points integer NOT NULL DEFAULT 0,
    expire bigint)`);
}

export const retryAfterSeconds = (res: RateLimiterRes) =>
  Math.max(1, Math.ceil(res.msBeforeNext / 1_000));

export function rateLimited(
  message: (seconds: number) => string,
  res: RateLimiterRes,
): DomainError {
  const seconds = retryAfterSeconds(res);
  return new DomainError('RATE_LIMITED', message(seconds), { retryAfterSeconds: seconds });
}

/** Takes one point; over the limit is RATE_LIMITED saying when to retry. */
export async function consumeOrThrow(
  limiter: RateLimiterPostgres,
  key: string,
  message: (seconds: number) => string,
): Promise<RateLimiterRes> {
  try {
    return await limiter.consume(key);
  } catch (outcome) {
    if (outcome instanceof RateLimiterRes) throw rateLimited(message, outcome);
    throw outcome;
  }
}

export { RateLimiterRes };
