import { VerifiedTokens } from '../src/verified-tokens';

describe('VerifiedTokens', () => {
  const now = 1_000_000;

  it('keeps a result until the earlier of its validity and the time-to-live', () => {
    const cache = new VerifiedTokens<string>({ maxEntries: 10, ttlMs: 60_000 });
    cache.set('short', 'a', now + 5_000, now);
    cache.set('long', 'b', now + 3_600_000, now);
    expect(cache.get('short', now + 4_999)).toBe('a');
    expect(cache.get('short', now + 5_000)).toBeUndefined();
    expect(cache.get('long', now + 59_999)).toBe('b');
    expect(cache.get('long', now + 60_000)).toBeUndefined();
    // Expired entries leave on the way.
    expect(cache.size).toBe(0);
  });

  it('does not keep what is no longer valid', () => {
    const cache = new VerifiedTokens<string>({ maxEntries: 10, ttlMs: 60_000 });
    cache.set('past', 'a', now - 1, now);
    expect(cache.get('past', now)).toBeUndefined();
    expect(cache.size).toBe(0);
  });

  it('hits the exact token only', () => {
    const cache = new VerifiedTokens<string>({ maxEntries: 10, ttlMs: 60_000 });
    cache.set('header.payload.signature', 'a', now + 5_000, now);
    expect(cache.get('header.payload.signaturE', now)).toBeUndefined();
    expect(cache.get('header.payload.signature ', now)).toBeUndefined();
    expect(cache.get('header.payload.signature', now)).toBe('a');
  });

  it('lets the oldest entries go past its bound', () => {
    const cache = new VerifiedTokens<number>({ maxEntries: 3, ttlMs: 60_000 });
    for (let i = 0; i < 5; i++) cache.set(`t${i}`, i, now + 5_000, now);
    expect(cache.size).toBe(3);
    expect([0, 1, 2, 3, 4].map((i) => cache.get(`t${i}`, now))).toEqual([
      undefined,
      undefined,
      2,
      3,
      4,
    ]);
  });
});
