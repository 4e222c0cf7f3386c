import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import {
  errorCodes,
  graphql,
  startStack,
  testInfrastructure,
  type Stack,
} from '@ko/platform/testing';

/**
 * The per-address limits, attacked as a script would: from other source addresses on this machine
 * (127.0.0.x), with forged `x-forwarded-for` headers, through the router and straight at the users
 * subgraph, and registrations spread over two users instances.
 */

const LOGIN = 'mutation($e: String!, $p: String!) { login(email: $e, password: $p) { token } }';
const REGISTER = 'mutation($i: RegisterInput!) { register(input: $i) { token } }';
const PER_ADDRESS = 3;
/** The load balancer in front of the router: the one address whose `x-forwarded-for` it believes. */
const TRUSTED_PROXY = '127.0.0.60';

let stack: Stack;
let router: string;
let usersInstances: string[];

beforeAll(async () => {
  stack = await startStack({
    ...testInfrastructure(),
    services: ['users', 'router'],
    instances: { users: 2 },
    serviceEnv: {
      users: {
        LOGIN_ATTEMPTS_PER_ADDRESS: String(PER_ADDRESS),
        REGISTRATIONS_PER_ADDRESS: String(PER_ADDRESS),
      },
      router: { TRUST_PROXY: TRUSTED_PROXY },
    },
  });
  router = stack.routerUrl;
  usersInstances = stack
    .instances('users')
    .map((p) => `http://127.0.0.1:${p.spec.env.PORT}/graphql`);
});

afterAll(() => stack?.stop({ dropDatabases: true }));

/** One wrong sign-in from `from`, claiming to be `claimed`; its error code. */
const guess = async (url: string, from: string, claimed: string) =>
  errorCodes(
    await graphql(url, LOGIN, { e: 'someone@example.com', p: 'wrong-password' }, undefined, {
      from,
      headers: { 'x-forwarded-for': claimed },
    }),
  )[0];

describe('the per-address sign-in limit', () => {
  it('ignores x-forwarded-for sent straight to the users subgraph', async () => {
    const codes: Array<string | undefined> = [];
    for (let i = 0; i < PER_ADDRESS + 2; i++)
      codes.push(await guess(usersInstances[0], '127.0.0.21', `198.51.100.${i + 1}`));
    expect(codes).toEqual([
      ...Array(PER_ADDRESS).fill('UNAUTHENTICATED'),
      'RATE_LIMITED',
      'RATE_LIMITED',
    ]);
  });

  it('ignores x-forwarded-for sent to the router by a client it does not trust', async () => {
    const codes: Array<string | undefined> = [];
    for (let i = 0; i < PER_ADDRESS + 2; i++)
      codes.push(await guess(router, '127.0.0.22', `198.51.100.${i + 1}`));
    expect(codes).toEqual([
      ...Array(PER_ADDRESS).fill('UNAUTHENTICATED'),
      'RATE_LIMITED',
      'RATE_LIMITED',
    ]);
  });

  it('counts each client behind a trusted proxy (TRUST_PROXY) under its own address', async () => {
    const first: Array<string | undefined> = [];
    for (let i = 0; i < PER_ADDRESS + 1; i++)
      first.push(await guess(router, TRUSTED_PROXY, '203.0.113.7'));
    expect(first).toEqual([...Array(PER_ADDRESS).fill('UNAUTHENTICATED'), 'RATE_LIMITED']);
    // Another client behind the same proxy is not held back by the first one's attempts.
    expect(await guess(router, TRUSTED_PROXY, '203.0.113.8')).toBe('UNAUTHENTICATED');
  });
});

describe('the registration limit', () => {
  const registerAt = (url: string, from: string, email: string) =>
    graphql(
      url,
      REGISTER,
      { i: { email, password: 'family-password', name: 'Family member' } },
      undefined,
      { from },
    );

  it('allows a few accounts per address, shared by every users instance, then refuses', async () => {
    const answers = [];
    // Alternating between the two instances: each alone would still have room.
    for (let i = 0; i < PER_ADDRESS + 2; i++)
      answers.push(
        await registerAt(usersInstances[i % 2], '127.0.0.31', `member-${i}@family.example`),
      );
    const codes = answers.map((a) => errorCodes(a)[0] ?? 'ok');
    expect(codes).toEqual([...Array(PER_ADDRESS).fill('ok'), 'RATE_LIMITED', 'RATE_LIMITED']);
    expect(answers[PER_ADDRESS].errors![0].extensions!.retryAfterSeconds).toBeGreaterThan(0);

    // Through the router, another address still registers; the script's address does not.
    const other = await registerAt(router, '127.0.0.32', 'neighbour@family.example');
    expect(other.errors).toBeUndefined();
    const again = await registerAt(router, '127.0.0.31', 'one-more@family.example');
    expect(errorCodes(again)).toEqual(['RATE_LIMITED']);
  });

  it('does not count input that was refused before any work was done', async () => {
    for (let i = 0; i < PER_ADDRESS + 1; i++) {
      const typo = await registerAt(router, '127.0.0.33', 'not-an-email');
      expect(errorCodes(typo)).toEqual(['BAD_USER_INPUT']);
    }
    const fixed = await registerAt(router, '127.0.0.33', 'fixed-typo@family.example');
    expect(fixed.errors).toBeUndefined();
  });
});

describe('log files', () => {
  it('are readable by their owner only', () => {
    const dir = join(stack.workDir, 'logs');
    const files = readdirSync(dir);
    expect(files.length).toBeGreaterThan(0);
    for (const file of files)
      expect((statSync(join(dir, file)).mode & 0o777).toString(8)).toBe('600');
    expect((statSync(dir).mode & 0o777).toString(8)).toBe('700');
  });
});
