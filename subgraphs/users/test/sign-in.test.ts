import {
  errorCodes,
  graphql,
  startStack,
  testInfrastructure,
  type Stack,
} from '@ko/platform/testing';

const LOGIN = 'mutation($e: String!, $p: String!) { login(email: $e, password: $p) { token } }';
const LOCKOUT_SECONDS = 2;

let stack: Stack;
let url: string;

beforeAll(async () => {
  stack = await startStack({
    ...testInfrastructure(),
    services: ['users', 'gateway'],
    serviceEnv: {
      users: {
        LOGIN_ATTEMPTS_PER_ACCOUNT: '5',
        LOGIN_LOCKOUT_SECONDS: String(LOCKOUT_SECONDS),
        LOGIN_ATTEMPTS_PER_ADDRESS: '1000',
      },
    },
  });
  url = stack.gatewayUrl;
  await graphql(
    url,
    'mutation { register(input: { email: "victim@example.com", password: "the-right-one", name: "Vic" }) { token } }',
  );
});

afterAll(() => stack?.stop({ dropDatabases: true }));

describe('credential stuffing', () => {
  it('locks an account after repeated failures, refuses even the right password, and lifts after the back-off', async () => {
    // 50 guesses at once: no more than 5 may reach the password check.
    const guesses = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        graphql(url, LOGIN, { e: 'victim@example.com', p: `guess-${i}` }),
      ),
    );
    const codes = guesses.map((g) => errorCodes(g)[0]);
    expect(codes.filter((c) => c === 'UNAUTHENTICATED')).toHaveLength(5);
    expect(codes.filter((c) => c === 'RATE_LIMITED')).toHaveLength(45);
    const limited = guesses.find((g) => errorCodes(g)[0] === 'RATE_LIMITED')!;
    expect(limited.errors![0].extensions!.retryAfterSeconds).toBeGreaterThanOrEqual(1);

    const rightDuringLockout = await graphql(url, LOGIN, {
      e: 'victim@example.com',
      p: 'the-right-one',
    });
    expect(errorCodes(rightDuringLockout)).toEqual(['RATE_LIMITED']);

    await new Promise((r) => setTimeout(r, (LOCKOUT_SECONDS + 0.5) * 1_000));
    const afterLockout = await graphql(url, LOGIN, { e: 'victim@example.com', p: 'the-right-one' });
    expect(afterLockout.errors).toBeUndefined();
    expect(afterLockout.data!.login.token).toEqual(expect.any(String));
  });

  it('answers an unknown email exactly like a known one, lock-out included', async () => {
    const known: string[] = [];
    const unknown: string[] = [];
    for (let i = 0; i < 7; i++) {
      known.push(
        errorCodes(await graphql(url, LOGIN, { e: 'victim2@example.com', p: 'nope-nope' }))[0]!,
      );
      unknown.push(
        errorCodes(await graphql(url, LOGIN, { e: 'ghost@example.com', p: 'nope-nope' }))[0]!,
      );
    }
    expect(unknown).toEqual(known);
    expect(known).toEqual([...Array(5).fill('UNAUTHENTICATED'), 'RATE_LIMITED', 'RATE_LIMITED']);
  });

  it('doubles the lock-out on a repeat offence', async () => {
    const email = 'repeat@example.com';
    const fail = () => graphql(url, LOGIN, { e: email, p: 'wrong-wrong' });
    for (let i = 0; i < 6; i++) await fail();
    const first = (await fail()).errors![0].extensions!.retryAfterSeconds as number;
    await new Promise((r) => setTimeout(r, (LOCKOUT_SECONDS + 0.5) * 1_000));
    for (let i = 0; i < 5; i++) await fail();
    const second = (await fail()).errors![0].extensions!.retryAfterSeconds as number;
    expect(first).toBeLessThanOrEqual(LOCKOUT_SECONDS);
    expect(second).toBeGreaterThan(LOCKOUT_SECONDS);
  });
});
