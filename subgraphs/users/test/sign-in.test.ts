import {
  errorCodes,
  graphql,
  startStack,
  testInfrastructure,
  type Stack,
} from '@ko/platform/testing';

const LOGIN = 'mutation($e: String!, $p: String!) { login(email: $e, password: $p) { token } }';
const LOCKOUT_SECONDS = 5;
const ACCOUNT_CEILING = 15;

let stack: Stack;
let url: string;

beforeAll(async () => {
  stack = await startStack({
    ...testInfrastructure(),
    services: ['users', 'router'],
    serviceEnv: {
      users: {
        LOGIN_ATTEMPTS_PER_ACCOUNT: '5',
        LOGIN_LOCKOUT_SECONDS: String(LOCKOUT_SECONDS),
        LOGIN_ATTEMPTS_PER_ADDRESS: '1000',
        LOGIN_ACCOUNT_CEILING: String(ACCOUNT_CEILING),
      },
    },
  });
  url = stack.routerUrl;
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

describe('lock-out is not a weapon', () => {
  const register = (email: string) =>
    graphql(
      url,
      'mutation($i: RegisterInput!) { register(input: $i) { token } }',
      { i: { email, password: 'owners-password', name: 'Owner' } },
      undefined,
      { from: '127.0.0.40' },
    );
  const signIn = (email: string, password: string, from: string) =>
    graphql(url, LOGIN, { e: email, p: password }, undefined, { from });

  it('locks out an attacker at one address, not the owner signing in from another', async () => {
    await register('target@example.com');
    const attacker: Array<string | undefined> = [];
    for (let i = 0; i < 8; i++)
      attacker.push(errorCodes(await signIn('target@example.com', `guess-${i}`, '127.0.0.43'))[0]);
    expect(attacker).toEqual([
      ...Array(5).fill('UNAUTHENTICATED'),
      ...Array(3).fill('RATE_LIMITED'),
    ]);

    const owner = await signIn('target@example.com', 'owners-password', '127.0.0.44');
    expect(owner.errors).toBeUndefined();
    expect(owner.data!.login.token).toEqual(expect.any(String));
    // The owner's sign-in does not lift the attacker's lock-out.
    expect(errorCodes(await signIn('target@example.com', 'owners-password', '127.0.0.43'))).toEqual(
      ['RATE_LIMITED'],
    );
  });

  it('stops guesses from many addresses at a ceiling, and still lets the owner in from a known address', async () => {
    const email = 'botnet-target@example.com';
    await register(email);
    // The owner has signed in from home before.
    expect((await signIn(email, 'owners-password', '127.0.0.41')).errors).toBeUndefined();

    // A botnet: each address stays under the per-address lock-out (3 of 5), together past the ceiling.
    const codes: Array<string | undefined> = [];
    for (let bot = 0; bot < ACCOUNT_CEILING / 3 + 2; bot++)
      for (let i = 0; i < 3; i++)
        codes.push(errorCodes(await signIn(email, `bot-${bot}-${i}`, `127.0.1.${bot + 1}`))[0]);
    expect(codes.slice(0, ACCOUNT_CEILING)).toEqual(Array(ACCOUNT_CEILING).fill('UNAUTHENTICATED'));
    expect(new Set(codes.slice(ACCOUNT_CEILING))).toEqual(new Set(['RATE_LIMITED']));

    // A new address is refused even with the right password while the attack lasts…
    expect(errorCodes(await signIn(email, 'owners-password', '127.0.0.42'))).toEqual([
      'RATE_LIMITED',
    ]);
    // …but the owner at home signs in.
    const home = await signIn(email, 'owners-password', '127.0.0.41');
    expect(home.errors).toBeUndefined();
    expect(home.data!.login.token).toEqual(expect.any(String));
  });
});
