import { MAX_TIER_NAME, validateTier } from '../src/inventory';
import { MAX_TIER_DESCRIPTION, validateChanges } from '../src/tier-editor';

const tier = (name: string) => ({ name, priceCents: 1_000, capacity: 10 });

describe('tier names and descriptions', () => {
  it('count characters as the database does: an emoji is one, not two UTF-16 units', () => {
    expect(validateTier(tier('🎫'.repeat(MAX_TIER_NAME))).name).toBe('🎫'.repeat(MAX_TIER_NAME));
    expect(() => validateTier(tier('🎫'.repeat(MAX_TIER_NAME + 1)))).toThrow('1 to 80 characters');
    expect(validateChanges({ name: '🎫'.repeat(MAX_TIER_NAME) }).name).toHaveLength(
      2 * MAX_TIER_NAME,
    );
    const description = '🎫'.repeat(MAX_TIER_DESCRIPTION);
    expect(validateChanges({ description }).description).toBe(description);
    expect(() => validateChanges({ description: `${description}x` })).toThrow(
      `at most ${MAX_TIER_DESCRIPTION} characters`,
    );
  });

  it('are held to the same rules when edited as when created', () => {
    for (const name of ['\u200b', 'VIP \u202e', 'a\u0007b']) {
      expect(() => validateTier(tier(name))).toThrow();
      expect(() => validateChanges({ name })).toThrow(
        expect.objectContaining({ code: 'BAD_USER_INPUT', details: { field: 'name' } }),
      );
    }
    expect(() => validateChanges({ description: 'early \u202ebird' })).toThrow('direction');
  });
});
