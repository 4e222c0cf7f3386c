/**
 * Spearman's rank correlation of two rankings of the same items (no ties): how far one order
 * follows the other, from -1 (reversed) through 0 (unrelated) to 1 (the same). The waiting
 * room's fairness is judged by it, in its tests and in the bench.
 */
export function rankCorrelation(a: number[], b: number[]): number {
  const n = a.length;
  if (n !== b.length) throw new Error('rankCorrelation: two rankings of the same items');
  if (n < 2) return 0;
  const rank = (xs: number[]) => {
    const ranks = new Array<number>(n);
    xs.map((x, i) => [x, i] as const)
      .sort((p, q) => p[0] - q[0])
      .forEach(([, i], r) => (ranks[i] = r + 1));
    return ranks;
  };
  const ra = rank(a);
  const rb = rank(b);
  const d2 = ra.reduce((sum, r, i) => sum + (r - rb[i]!) ** 2, 0);
  return 1 - (6 * d2) / (n * (n * n - 1));
}
