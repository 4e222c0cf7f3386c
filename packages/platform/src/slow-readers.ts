import { z } from 'zod';
import { millis } from './config';

/**
 * A live client that cannot keep up is disconnected rather than queued for: the subscriptions
 * service sheds it on its own frames, the router on the results it relays. One rule for both.
 */

/** Close code for a client that cannot keep up: "try again later", so clients reconnect. */
export const TOO_SLOW_CLOSE_CODE = 1013;
export const TOO_SLOW_REASON = 'Too slow to keep up with live updates; reconnect to resume.';

/** How far behind a live client may fall, in every process that writes to one (config). */
export const slowReaderSettings = () => ({
  /** A client whose socket holds more unsent bytes than this is too slow and is disconnected. */
  MAX_BUFFERED_BYTES: z.coerce.number().int().min(1_024).default(1_048_576),
  /** How long a client may stay behind before it is disconnected. */
  MAX_LAG_MS: millis(1_000),
});

export interface BacklogLimits {
  /** Unsent bytes on a socket beyond which its client is too slow. */
  maxBufferedBytes: number;
  /**
   * How long a socket may hold unsent bytes all along before its client is too slow: the byte
   * bound alone lets a client that reads slowly at a low rate fall seconds behind.
   */
  maxLagMs: number;
}

/** One socket's backlog, noted at each write to it. */
export class SendBacklog {
  /** Since when the socket has held unsent bytes at every note; undefined when it had none. */
  private since: number | undefined;

  /** Notes `unsent` bytes at `now`; true when the client is too far behind. */
  tooFar(unsent: number, now: number, limits: BacklogLimits): boolean {
    if (unsent === 0) this.since = undefined;
    else this.since ??= now;
    return (
      unsent > limits.maxBufferedBytes ||
      (this.since !== undefined && now - this.since > limits.maxLagMs)
    );
  }
}
