import type { DataSource } from 'typeorm';
import { RateLimiterRes, rateLimited, rows, type DomainError, type Logger } from '@ko/platform';

const WINDOW_MS = 60_000;
const keyOf = (userId: string) => `buyer:${userId}`;

/**
 * How often one buyer may try to buy: reserve, checkout and purchase share one allowance per
 * minute, counted in this service's database (`purchase_limits`, by `tickets_take_attempt`, the
 * one definition of the count) so every instance sees the same count.
 *
 * The box office takes a point only once a request is valid and would really try to sell
 * (after the idempotency lookup, so a retry of a finished purchase is never refused), and
 * gives it back when the request turns out to be a concurrent duplicate of another under
 * the same idempotency key. What stays counted is one point per attempt at a new sale,
 * sold out or not: that is what a bot hammering a tier costs the database. The one-step
 * purchase takes its point inside its own statement (`tickets_purchase`, with `terms`).
 */
export class PurchaseThrottle {
  constructor(
    private readonly db: DataSource,
    private readonly perMinute: number,
    private readonly logger: Logger,
  ) {}

  /** The allowance, for a statement that takes its point itself (see `refusal`). */
  terms(userId: string): { key: string; attempts: number; windowMs: number; nowMs: number } {
    return { key: keyOf(userId), attempts: this.perMinute, windowMs: WINDOW_MS, nowMs: Date.now() };
  }

  /** Takes one attempt from the buyer's allowance; RATE_LIMITED (with retryAfterSeconds) when none is left. */
  async take(userId: string): Promise<void> {
    const [{ points, expire }] = await this.change(userId, 1);
    if (points > this.perMinute) throw this.refusal(Number(expire));
  }

  /** RATE_LIMITED, for an allowance used up until `expire` (epoch milliseconds). */
  refusal(expire: number): DomainError {
    return rateLimited(
      (seconds) =>
        `You are buying too fast: at most ${this.perMinute} purchase attempts a minute. Try again in ${seconds} seconds.`,
      new RateLimiterRes(0, Math.max(expire - Date.now(), 0)),
    );
  }

  /** Gives back an attempt that sold nothing new (a duplicate that found the order made under its key). */
  async giveBack(userId: string): Promise<void> {
    try {
      await this.change(userId, -1);
    } catch (error) {
      // Only the buyer's allowance is at stake (one point for a minute): never fail the request for it.
      this.logger.warn({ err: error, userId }, 'could not give back a purchase attempt');
    }
  }

  private change(userId: string, points: number) {
    return rows<{ points: number; expire: string }>(
      this.db.manager,
      'SELECT points, expire FROM tickets_take_attempt($1, $2, $3, $4)',
      [keyOf(userId), points, WINDOW_MS, Date.now()],
    );
  }
}
