import { RecentIds } from '../src/dedupe';

describe('RecentIds', () => {
  it('reports each id once, and stays bounded by forgetting the oldest', () => {
    const recent = new RecentIds(3);
    expect(['a', 'b', 'a', 'c', 'b'].map((id) => recent.firstSighting(id))).toEqual([
      true,
      true,
      false,
      true,
      false,
    ]);
    expect(recent.firstSighting('d')).toBe(true); // forgets 'a'
    expect(recent.firstSighting('a')).toBe(true);
    expect(recent.firstSighting('c')).toBe(false);
  });
});
