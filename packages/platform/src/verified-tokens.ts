import { createHash } from 'node:crypto';

/**
 * Tokens this process has already verified, so a token seen again skips the signature check
 * and the claims' parsing (paid by the router, the subgraph and the users service's session
 * route for the same token). Keyed by a SHA-256 of the whole token, so only
 * the exact string that was verified hits, and an entry is kept only until the earliest of its
 * `exp`, the maximum token age and `ttlMs` after its verification: a key withdrawn from the key
 * set stops being trusted within `ttlMs`. Bounded: the oldest entries go first.
 */
export class VerifiedTokens<T> {
  private readonly entries = new Map<string, { until: number; value: T }>();

  constructor(
    private readonly options: { maxEntries: number; ttlMs: number } = {
      maxEntries: 10_000,
      ttlMs: 60_000,
    },
  ) {}

  get(token: string, nowMs = Date.now()): T | undefined {
    const key = keyOf(token);
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    if (entry.until > nowMs) return entry.value;
    this.entries.delete(key);
    return undefined;
  }

  /** Keeps a verified token's result until `validUntilMs` (its expiry or maximum age) at most. */
  set(token: string, value: T, validUntilMs: number, nowMs = Date.now()): void {
    const until = Math.min(validUntilMs, nowMs + this.options.ttlMs);
    if (until <= nowMs || this.options.maxEntries <= 0) return;
    this.entries.set(keyOf(token), { until, value });
    // Map keeps insertion order: the first key is the oldest.
    while (this.entries.size > this.options.maxEntries)
      this.entries.delete(this.entries.keys().next().value!);
  }

  get size(): number {
    return this.entries.size;
  }
}

const keyOf = (token: string) => createHash('sha256').update(token).digest('base64');
