import { drawFrom, shuffleInPlace } from '../src/lottery';

describe('the lottery', () => {
  it('draws the same numbers from the same seed, each within its range', () => {
    const [a, b] = [drawFrom('a fixed seed'), drawFrom('a fixed seed')];
    const first = Array.from({ length: 50 }, (_, i) => a(i + 1));
    expect(Array.from({ length: 50 }, (_, i) => b(i + 1))).toEqual(first);
    expect(first.every((n, i) => Number.isInteger(n) && n >= 0 && n <= i)).toBe(true);
    const other = drawFrom('another seed');
    expect(Array.from({ length: 50 }, (_, i) => other(i + 1))).not.toEqual(first);
  });

  it('shuffles into a permutation, every item about as likely in every place', () => {
    const draw = drawFrom('uniformity');
    const n = 5;
    const rounds = 20_000;
    // counts[item][place]: with a fair shuffle each is about rounds / n.
    const counts = Array.from({ length: n }, () => new Array<number>(n).fill(0));
    for (let r = 0; r < rounds; r++) {
      const order = shuffleInPlace([0, 1, 2, 3, 4], draw);
      expect([...order].sort()).toEqual([0, 1, 2, 3, 4]);
      order.forEach((item, place) => (counts[item]![place]! += 1));
    }
    for (const row of counts)
      for (const count of row) expect(Math.abs(count - rounds / n)).toBeLessThan(rounds / n / 10);
  });
});
