import { rankCorrelation } from '../src/testing/rank-correlation';

describe('rankCorrelation', () => {
  it('is 1 for the same order and -1 for the reverse', () => {
    expect(rankCorrelation([1, 2, 3, 4], [10, 20, 30, 40])).toBe(1);
    expect(rankCorrelation([1, 2, 3, 4], [40, 30, 20, 10])).toBe(-1);
  });

  it('reads ranks, not values', () => {
    expect(rankCorrelation([1, 2, 3], [5, 1_000, 1_001])).toBe(1);
  });

  it('matches the textbook value for a mixed order', () => {
    // d = (0, -2, 1, 1): 1 - 6·6 / (4·15) = 0.4
    expect(rankCorrelation([1, 2, 3, 4], [1, 4, 2, 3])).toBeCloseTo(0.4, 10);
  });

  it('is near 0 for a shuffled order of many items', () => {
    let seed = 7;
    const random = () => ((seed = (seed * 16_807) % 2_147_483_647) - 1) / 2_147_483_646;
    const order = Array.from({ length: 5_000 }, (_, i) => i);
    const places = order.map((i) => ({ i, key: random() })).sort((p, q) => p.key - q.key);
    const placeOf = new Array<number>(order.length);
    places.forEach(({ i }, place) => (placeOf[i] = place));
    expect(Math.abs(rankCorrelation(order, placeOf))).toBeLessThan(0.05);
  });

  it('refuses rankings of different lengths', () => {
    expect(() => rankCorrelation([1, 2], [1])).toThrow(/same items/);
  });
});
