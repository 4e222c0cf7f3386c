import { validateRegistration } from '../src/accounts';

const registration = (name: string) => ({
  email: 'fan@example.com',
  password: 'a long enough password',
  name,
  role: 'FAN' as const,
});

describe('validateRegistration', () => {
  it('counts a name in characters as the database does: an emoji is one, not two UTF-16 units', () => {
    expect(validateRegistration(registration('🎸'.repeat(100))).name).toBe('🎸'.repeat(100));
    expect(() => validateRegistration(registration('🎸'.repeat(101)))).toThrow(
      'at most 100 characters',
    );
  });
});
