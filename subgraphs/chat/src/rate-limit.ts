import type { DataSource } from 'typeorm';
import { RateLimiterPostgres, RateLimiterRes } from 'rate-limiter-flexible';
import { DomainError } from '@ko/platform';

/**
 * How fast one user may post in one event's chat, counted in the chat database so every
 * chat instance enforces the same limit. Going over it is RATE_LIMITED with the number of
 * seconds to wait, in the message and in `extensions.retryAfterSeconds`.
 */
export class PostingRateLimit {
  private readonly limiter: RateLimiterPostgres;

  constructor(
    db: DataSource,
    readonly points: number,
    readonly seconds: number,
  ) {
    this.limiter = new RateLimiterPostgres({
      storeClient: db,
      storeType: 'typeorm',
      tableName: 'chat_rate_limits',
      // The table comes from a migration (migrations only, never created at run time).
      tableCreated: true,
      keyPrefix: 'post',
      points,
      duration: seconds,
      // Once over the limit, this instance refuses without asking the database until the window ends.
      inMemoryBlockOnConsumed: points + 1,
    });
  }

  async consume(userId: string, eventId: string): Promise<void> {
    try {
      await this.limiter.consume(`${userId}:${eventId}`);
    } catch (outcome) {
      if (!(outcome instanceof RateLimiterRes)) throw outcome;
      const retryAfterSeconds = Math.max(1, Math.ceil(outcome.msBeforeNext / 1_000));
      throw new DomainError(
        'RATE_LIMITED',
        `You are posting too fast (at most ${this.points} messages per ${this.seconds} seconds); try again in ${retryAfterSeconds} second${retryAfterSeconds === 1 ? '' : 's'}.`,
        { retryAfterSeconds },
      );
    }
  }
}
