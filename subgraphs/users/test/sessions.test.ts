import {
  errorCodes,
  graphql,
  startStack,
  testInfrastructure,
  type GraphQLResult,
  type Stack,
} from '@ko/platform/testing';
import { MAX_SESSIONS_PER_QUESTION, SESSION_STATUS_PATH } from '@ko/platform';
import { connect, follow } from '../../../subscriptions/test/live-client';

/**
 * Ending sessions: signOutEverywhere and deleteAccount, through the router, and the old token
 * tried against the router and straight at the events subgraph (each service checks it itself).
 */

const SESSION_CACHE_SECONDS = 1;
const REGISTER = 'mutation($i: RegisterInput!) { register(input: $i) { token user { id } } }';
const LOGIN = 'mutation($e: String!, $p: String!) { login(email: $e, password: $p) { token } }';
const CREATE_EVENT = 'mutation($i: CreateEventInput!) { createEvent(input: $i) { id } }';
const EVENT = {
  title: 'Session night',
  description: '',
  category: 'Music',
  venue: 'Hall',
  city: 'Porto',
  startsAt: '2030-01-01T20:00:00Z',
};

let stack: Stack;
let url: string;
let eventsUrl: string;

beforeAll(async () => {
  stack = await startStack({
    ...testInfrastructure(),
    services: ['users', 'events', 'subscriptions', 'router'],
    env: { SESSION_CACHE_SECONDS: String(SESSION_CACHE_SECONDS), SESSION_RECHECK_MS: '500' },
  });
  url = stack.routerUrl;
  eventsUrl = stack.urls.events!;
});

afterAll(() => stack?.stop({ dropDatabases: true }));

const register = async (email: string) =>
  (
    await graphql(url, REGISTER, {
      i: { email, password: 'session-password', name: `Organizer ${email}`, role: 'ORGANIZER' },
    })
  ).data!.register as { token: string; user: { id: string } };

/**
 * Asks until `request` is refused as UNAUTHENTICATED, for at most the cache's bound and a margin
 * for a loaded machine; the last answer, so a failure shows what was still allowed.
 */
async function refusedWithin(request: () => Promise<GraphQLResult>): Promise<GraphQLResult> {
  const deadline = Date.now() + (SESSION_CACHE_SECONDS + 10) * 1_000;
  let last = await request();
  while (!errorCodes(last).includes('UNAUTHENTICATED') && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 200));
    last = await request();
  }
  return last;
}

describe('ending sessions', () => {
  it('signOutEverywhere voids every earlier token in every service, and the new one works', async () => {
    const { token: old } = await register('everywhere@example.com');
    // The old token works everywhere first (and the services have cached that it does).
    expect((await graphql(url, '{ me { id } }', {}, old)).data!.me).not.toBeNull();
    expect((await graphql(eventsUrl, CREATE_EVENT, { i: EVENT }, old)).errors).toBeUndefined();

    const out = await graphql(url, 'mutation { signOutEverywhere { token } }', {}, old);
    expect(out.errors).toBeUndefined();
    const fresh = out.data!.signOutEverywhere.token as string;

    expect(errorCodes(await refusedWithin(() => graphql(url, '{ me { id } }', {}, old)))).toContain(
      'UNAUTHENTICATED',
    );
    expect(
      errorCodes(await refusedWithin(() => graphql(eventsUrl, CREATE_EVENT, { i: EVENT }, old))),
    ).toContain('UNAUTHENTICATED');
    expect((await graphql(url, '{ me { id } }', {}, fresh)).data!.me).not.toBeNull();
    expect((await graphql(url, CREATE_EVENT, { i: EVENT }, fresh)).errors).toBeUndefined();
  });

  it('deleteAccount needs the password, then closes the account and voids its tokens', async () => {
    const { token, user } = await register('leaving@example.com');
    expect((await graphql(eventsUrl, CREATE_EVENT, { i: EVENT }, token)).errors).toBeUndefined();

    const wrong = await graphql(
      url,
      'mutation($p: String!) { deleteAccount(password: $p) }',
      { p: 'not-the-password' },
      token,
    );
    expect(errorCodes(wrong)).toEqual(['UNAUTHENTICATED']);
    expect((await graphql(url, '{ me { id } }', {}, token)).data!.me.id).toBe(user.id);

    const deleted = await graphql(
      url,
      'mutation($p: String!) { deleteAccount(password: $p) }',
      { p: 'session-password' },
      token,
    );
    expect(deleted.errors).toBeUndefined();
    expect(deleted.data!.deleteAccount).toBe(true);

    expect(
      errorCodes(await refusedWithin(() => graphql(url, '{ me { id } }', {}, token))),
    ).toContain('UNAUTHENTICATED');
    expect(
      errorCodes(await refusedWithin(() => graphql(eventsUrl, CREATE_EVENT, { i: EVENT }, token))),
    ).toContain('UNAUTHENTICATED');
    const login = await graphql(url, LOGIN, { e: 'leaving@example.com', p: 'session-password' });
    expect(errorCodes(login)).toEqual(['UNAUTHENTICATED']);
    // The email is free again, for a new account.
    const again = await register('leaving@example.com');
    expect(again.user.id).not.toBe(user.id);
  });

  it('closes an open subscription socket of a session that signOutEverywhere ended', async () => {
    const { token: old } = await register('socket@example.com');
    const created = await graphql(url, CREATE_EVENT, { i: EVENT }, old);
    const live = connect(url.replace(/^http/, 'ws'), old);
    try {
      // The organizer follows their draft's updates: a signed-in socket.
      const follower = follow(
        live,
        'subscription($e: ID!) { eventUpdated(eventId: $e) { status } }',
        { e: created.data!.createEvent.id },
        'eventUpdated',
      );
      await follower.waitFor(1, 15_000);
      const signedOut = await graphql(url, 'mutation { signOutEverywhere { token } }', {}, old);
      expect(signedOut.errors).toBeUndefined();
      const closed = await Promise.race([
        live.closed,
        new Promise<undefined>((r) => setTimeout(() => r(undefined), 20_000)),
      ]);
      expect(closed?.code).toBe(4401);
    } finally {
      await live.dispose();
    }
  });

  it('refuses signOutEverywhere and deleteAccount when signed out', async () => {
    expect(errorCodes(await graphql(url, 'mutation { signOutEverywhere { token } }'))).toEqual([
      'UNAUTHENTICATED',
    ]);
    expect(
      errorCodes(
        await graphql(url, 'mutation($p: String!) { deleteAccount(password: $p) }', { p: 'x' }),
      ),
    ).toEqual(['UNAUTHENTICATED']);
  });

  it("answers the services' session route for a batch of tokens, and refuses what is not a question", async () => {
    const route = stack.urls.users!.replace('/graphql', SESSION_STATUS_PATH);
    const ask = (body: unknown, method = 'POST') =>
      fetch(route, {
        method,
        headers: { 'content-type': 'application/json' },
        body: method === 'POST' ? JSON.stringify(body) : undefined,
      });
    const staying = await register('batch-staying@example.com');
    const leaving = await register('batch-leaving@example.com');
    const out = await graphql(url, 'mutation { signOutEverywhere { token } }', {}, leaving.token);
    expect(out.errors).toBeUndefined();
    const [, payload] = staying.token.split('.');
    const forged = `${staying.token.split('.')[0]}.${payload}.${'A'.repeat(86)}`;

    const answer = await ask({ tokens: [staying.token, leaving.token, forged] });
    expect(answer.status).toBe(200);
    expect(await answer.json()).toEqual({
      sessions: [{ active: true, tokenVersion: 0 }, { active: true, tokenVersion: 1 }, null],
    });
    expect((await ask({ tokens: [] })).status).toBe(400);
    expect((await ask({ tokens: Array(MAX_SESSIONS_PER_QUESTION + 1).fill(forged) })).status).toBe(
      400,
    );
    expect((await ask({ tokens: [staying.token] }, 'GET')).status).toBe(405);
  });
});
