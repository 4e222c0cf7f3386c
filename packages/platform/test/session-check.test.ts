import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DomainError } from '../src/errors';
import { SessionDirectory, type SessionStatus } from '../src/session-check';

/**
 * A stand-in users instance answering the session route from `state` (null for a token listed in
 * `refused`), counting requests and the tokens they carried.
 */
async function usersStub(state: { status: SessionStatus; refused?: string[] }) {
  let asked = 0;
  const tokens: string[][] = [];
  const server: Server = createServer((req, res) => {
    asked += 1;
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      const question = (JSON.parse(body) as { tokens: string[] }).tokens;
      tokens.push(question);
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({
          sessions: question.map((t) => (state.refused?.includes(t) ? null : state.status)),
        }),
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`;
  return {
    url,
    asked: () => asked,
    tokens: () => tokens,
    close: () => new Promise((r) => server.close(r)),
  };
}

const codeOf = (promise: Promise<unknown>) =>
  promise.then(
    () => 'ok',
    (error: unknown) => (error instanceof DomainError ? error.code : String(error)),
  );

describe('SessionDirectory', () => {
  it('trusts an answer for its time, asks again for a newer token, and refuses an older one', async () => {
    const state = { status: { active: true, tokenVersion: 0 } };
    const users = await usersStub(state);
    try {
      const sessions = new SessionDirectory(() => [users.url], 60_000);
      expect(await codeOf(sessions.check({ id: 'u1', tokenVersion: 0 }, 't0'))).toBe('ok');
      expect(await codeOf(sessions.check({ id: 'u1', tokenVersion: 0 }, 't0'))).toBe('ok');
      expect(users.asked()).toBe(1); // cached

      // Signed out everywhere: version 1. The new token is not refused on the stale answer.
      state.status = { active: true, tokenVersion: 1 };
      expect(await codeOf(sessions.check({ id: 'u1', tokenVersion: 1 }, 't1'))).toBe('ok');
      expect(users.asked()).toBe(2);
      expect(await codeOf(sessions.check({ id: 'u1', tokenVersion: 0 }, 't0'))).toBe(
        'UNAUTHENTICATED',
      );
    } finally {
      await users.close();
    }
  });

  it('fails closed when no users instance answers', async () => {
    const sessions = new SessionDirectory(() => ['http://127.0.0.1:9/graphql'], 60_000);
    expect(await codeOf(sessions.check({ id: 'u1', tokenVersion: 0 }, 't'))).toBe(
      'SERVICE_UNAVAILABLE',
    );
  });

  it('refuses a closed account at once when nothing is cached', async () => {
    const users = await usersStub({ status: { active: false, tokenVersion: 4 } });
    try {
      const sessions = new SessionDirectory(() => [users.url], 60_000);
      expect(await codeOf(sessions.check({ id: 'u2', tokenVersion: 4 }, 't'))).toBe(
        'UNAUTHENTICATED',
      );
    } finally {
      await users.close();
    }
  });

  it('asks about every account checked in one turn of the event loop in one request', async () => {
    const users = await usersStub({
      status: { active: true, tokenVersion: 0 },
      refused: ['t-forged'],
    });
    try {
      const sessions = new SessionDirectory(() => [users.url], 60_000);
      const ids = Array.from({ length: 40 }, (_, i) => `u${i}`);
      const outcomes = await Promise.all([
        ...ids.map((id) => codeOf(sessions.check({ id, tokenVersion: 0 }, `t-${id}`))),
        codeOf(sessions.check({ id: 'u-forged', tokenVersion: 0 }, 't-forged')),
      ]);
      expect(outcomes).toEqual([...ids.map(() => 'ok'), 'UNAUTHENTICATED']);
      expect(users.asked()).toBe(1);
      expect(users.tokens()[0]).toHaveLength(41);
    } finally {
      await users.close();
    }
  });
});
