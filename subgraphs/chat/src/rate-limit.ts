import type { DataSource } from 'typeorm';
import { consumeOrThrow, createRateLimiter } from '@ko/platform';

/**
 * How fast one user may post in one event's chat, counted in the chat database so every
 * chat instance enforces the same limit. Going over it is RATE_LIMITED with the number of
 * seconds to wait, in the message and in `extensions.retryAfterSeconds`.
 */
export class PostingRateLimit {
  private readonly limiter;

  constructor(
    db: DataSource,
    readonly points: number,
    readonly seconds: number,
  ) {
    this.limiter = createRateLimiter(db, {
      table: 'chat_rate_limits',
      keyPrefix: 'post',
      points,
      durationSeconds: seconds,
      // A flood from one user is refused without a database call once over the limit.
      blockInMemory: true,
    });
  }

  async consume(userId: string, eventId: string): Promise<void> {
    await consumeOrThrow(
      this.limiter,
      `${userId}:${eventId}`,
      (wait) =>
        `You are posting too fast (at most ${this.points} messages per ${this.seconds} seconds); try again in ${wait} second${wait === 1 ? '' : 's'}.`,
    );
  }
}
