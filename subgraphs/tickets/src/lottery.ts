import { randomInt } from 'node:crypto';

/** A uniform draw in [0, max): how a waiting room's random places are dealt. */
export type Draw = (max: number) => number;

/** crypto.randomInt, or a deterministic draw from `seed` for tests that fix the places. */
export const drawFrom = (seed?: string): Draw => (seed ? seeded(seed) : randomInt);

/** Fisher–Yates, in place: every order of `items` equally likely. */
export function shuffleInPlace<T>(items: T[], draw: Draw): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = draw(i + 1);
    [items[i], items[j]] = [items[j]!, items[i]!];
  }
  return items;
}

/** mulberry32 from a string seed. */
function seeded(seed: string): Draw {
  let state = [...seed].reduce(
    (h, c) => Math.imul(h ^ c.charCodeAt(0), 16777619) >>> 0,
    2166136261,
  );
  return (max) => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return Math.floor((((t ^ (t >>> 14)) >>> 0) / 4294967296) * max);
  };
}
