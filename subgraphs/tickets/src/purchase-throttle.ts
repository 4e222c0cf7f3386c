import type { DataSource } from 'typeorm';
import { consumeOrThrow, createRateLimiter, type Logger } from '@ko/platform';

const TABLE = 'purchase_limits';
const WINDOW_SECONDS = 60;

/**
 * How often one buyer may try to buy: reserve, checkout and purchase share one allowance per
 * minute, counted in this service's database so every instance sees the same count.
 *
 * The box office takes a point only once a request is valid and would really try to sell
 * (after the idempotency lookup, so a retry of a finished purchase is never refused), and
 * gives it back when the request turns out to be a concurrent duplicate of another under
 * the same idempotency key. What stays counted is one point per attempt at a new sale,
 * sold out or not: that is what a bot hammering a tier costs the database.
 */
export class PurchaseThrottle {
  private readonly limiter;

  constructor(
    db: DataSource,
    private readonly perMinute: number,
    private readonly logger: Logger,
  ) {
    this.limiter = createRateLimiter(db, {
      table: TABLE,
      keyPrefix: 'buyer',
      points: perMinute,
      durationSeconds: WINDOW_SECONDS,
    });
  }

  /** Takes one attempt from the buyer's allowance; RATE_LIMITED (with retryAfterSeconds) when none is left. */
  async take(userId: string): Promise<void> {
    await consumeOrThrow(
      this.limiter,
      userId,
      (seconds) =>
        `You are buying too fast: at most ${this.perMinute} purchase attempts a minute. Try again in ${seconds} seconds.`,
    );
  }

  /** Gives back an attempt that sold nothing new (a duplicate that found the order made under its key). */
  async giveBack(userId: string): Promise<void> {
    try {
      await this.limiter.reward(userId, 1);
    } catch (error) {
      // Only the buyer's allowance is at stake (one point for a minute): never fail the request for it.
      this.logger.warn({ err: error, userId }, 'could not give back a purchase attempt');
    }
  }
}
