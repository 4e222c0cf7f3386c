import { DomainError } from '@ko/platform';
import { VerifiedBuyers } from '../src/verified-buyers';

// REQUIRE_VERIFIED_EMAIL: the users service is asked with the buyer's token, and only a
// verified address may buy. Off, nobody is asked.

const fan = { id: '00000000-0000-4000-8000-000000000001', role: 'FAN' as const };
const users = (emailVerified: boolean | null) => {
  const calls: Array<string | undefined> = [];
  return {
    calls,
    query: async <T>(_q: string, _v: Record<string, unknown>, authorization?: string) => {
      calls.push(authorization);
      return { me: emailVerified === null ? null : { emailVerified } } as T;
    },
  };
};

it('refuses an unverified account with FORBIDDEN saying what to do', async () => {
  const client = users(false);
  const error = await new VerifiedBuyers(client).check(fan, 'Bearer t').catch((e: unknown) => e);
  expect(error).toBeInstanceOf(DomainError);
  expect((error as DomainError).code).toBe('FORBIDDEN');
  expect((error as DomainError).message).toMatch(/Verify your email address.*Resend/);
  expect(client.calls).toEqual(['Bearer t']);
});

it('lets a verified account buy', async () => {
  await expect(new VerifiedBuyers(users(true)).check(fan, 'Bearer t')).resolves.toBeUndefined();
});

it('asks nobody when the setting is off', async () => {
  await expect(new VerifiedBuyers(undefined).check(null, undefined)).resolves.toBeUndefined();
});

it('refuses when users does not know the token (null me)', async () => {
  await expect(new VerifiedBuyers(users(null)).check(fan, 'Bearer t')).rejects.toThrow(/Verify/);
});
