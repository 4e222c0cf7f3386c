import { SignJWT, generateKeyPair } from 'jose';
import { mkdtempSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DomainError } from '../src/errors';
import {
  MAX_TOKEN_AGE_SECONDS,
  TOKEN_ALGORITHM,
  TOKEN_AUDIENCE,
  TOKEN_ISSUER,
  createSignatureCheck,
  createTokenVerifier,
  issueToken,
  loadSigningKey,
  viewerFromAuthorization,
  type TokenClaims,
} from '../src/auth';
import { VerifiedTokens } from '../src/verified-tokens';

const keyFile = () => join(mkdtempSync(join(tmpdir(), 'ko-keys-')), 'key.json');

async function setup() {
  const key = await loadSigningKey({ file: keyFile(), algorithm: TOKEN_ALGORITHM });
  return { key, verify: createTokenVerifier({ jwks: { keys: [key.publicJwk] } }) };
}

const codeOf = async (promise: Promise<unknown>) => {
  try {
    await promise;
    return 'no error';
  } catch (error) {
    return error instanceof DomainError ? error.code : String(error);
  }
};

describe('tokens', () => {
  it('round-trips a viewer', async () => {
    const { key, verify } = await setup();
    const token = await issueToken(key, { id: 'u1', role: 'ORGANIZER', name: 'Olga' }, 60);
    await expect(verify(token)).resolves.toEqual({ id: 'u1', role: 'ORGANIZER', name: 'Olga' });
    await expect(viewerFromAuthorization(`Bearer ${token}`, verify)).resolves.toMatchObject({
      id: 'u1',
    });
    await expect(viewerFromAuthorization(undefined, verify)).resolves.toBeNull();
  });

  it('keeps the generated key across restarts', async () => {
    const file = keyFile();
    const first = await loadSigningKey({ file, algorithm: TOKEN_ALGORITHM });
    const second = await loadSigningKey({ file, algorithm: TOKEN_ALGORITHM });
    expect(second.kid).toBe(first.kid);
  });

  it('signs RS256 and publishes only the public half of the key', async () => {
    const { key } = await setup();
    const token = await issueToken(key, { id: 'u1', role: 'FAN' }, 60);
    expect(JSON.parse(Buffer.from(token.split('.')[0], 'base64url').toString())).toMatchObject({
      alg: 'RS256',
      kid: key.kid,
    });
    // An RSA private JWK holds p, q and the CRT values besides d: none may leave the service.
    expect(Object.keys(key.publicJwk).sort()).toEqual(['alg', 'e', 'kid', 'kty', 'n', 'use']);
  });

  it('still signs and verifies with an Ed25519 key (a deployment configured before RS256)', async () => {
    const key = await loadSigningKey({ file: keyFile(), algorithm: 'EdDSA' });
    expect(Object.keys(key.publicJwk).sort()).toEqual(['alg', 'crv', 'kid', 'kty', 'use', 'x']);
    const verify = createTokenVerifier({ jwks: { keys: [key.publicJwk] } });
    await expect(verify(await issueToken(key, { id: 'u2', role: 'FAN' }, 60))).resolves.toEqual({
      id: 'u2',
      role: 'FAN',
    });
  });

  it('refuses expired, unsigned, tampered and foreign-key tokens', async () => {
    const { key, verify } = await setup();
    const expired = await new SignJWT({ role: 'FAN' })
      .setProtectedHeader({ alg: key.algorithm, kid: key.kid })
      .setSubject('u1')
      .setIssuer(TOKEN_ISSUER)
      .setAudience(TOKEN_AUDIENCE)
      .setIssuedAt(Math.floor(Date.now() / 1000) - 7200)
      .setExpirationTime(Math.floor(Date.now() / 1000) - 3600)
      .sign(key.privateKey);
    const b64 = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
    const now = Math.floor(Date.now() / 1000);
    const unsigned = `${b64({ alg: 'none', typ: 'JWT' })}.${b64({ sub: 'u1', role: 'ORGANIZER', iss: TOKEN_ISSUER, aud: TOKEN_AUDIENCE, iat: now, exp: now + 60 })}.`;
    const good = await issueToken(key, { id: 'u1', role: 'FAN' }, 60);
    const [h, , s] = good.split('.');
    const tampered = `${h}.${b64({ sub: 'u1', role: 'ORGANIZER', iss: TOKEN_ISSUER, aud: TOKEN_AUDIENCE, iat: now, exp: now + 60 })}.${s}`;
    // Another key under this key's id: of the same type, and of the other accepted type.
    const signedBy = async (alg: 'RS256' | 'EdDSA') =>
      new SignJWT({ role: 'FAN' })
        .setProtectedHeader({ alg, kid: key.kid })
        .setSubject('u1')
        .setIssuer(TOKEN_ISSUER)
        .setAudience(TOKEN_AUDIENCE)
        .setIssuedAt()
        .setExpirationTime('1h')
        .sign(
          (alg === 'RS256'
            ? await generateKeyPair('RS256', { modulusLength: 2048 })
            : await generateKeyPair('EdDSA', { crv: 'Ed25519' })
          ).privateKey,
        );
    const wrongKeys = [await signedBy('RS256'), await signedBy('EdDSA')];
    for (const token of [expired, unsigned, tampered, ...wrongKeys, 'garbage']) {
      expect(await codeOf(verify(token))).toBe('UNAUTHENTICATED');
    }
    expect(await codeOf(viewerFromAuthorization('Basic abc', verify))).toBe('UNAUTHENTICATED');
  });

  it('refuses a token older than the maximum age, whatever its expiry says', async () => {
    const { key, verify } = await setup();
    const now = Math.floor(Date.now() / 1000);
    const ancient = await new SignJWT({ role: 'FAN', ver: 0 })
      .setProtectedHeader({ alg: key.algorithm, kid: key.kid })
      .setSubject('u1')
      .setIssuer(TOKEN_ISSUER)
      .setAudience(TOKEN_AUDIENCE)
      .setIssuedAt(now - MAX_TOKEN_AGE_SECONDS - 60)
      .setExpirationTime(now + 3600)
      .sign(key.privateKey);
    expect(await codeOf(verify(ancient))).toBe('UNAUTHENTICATED');
  });

  it('asks the session check with the token version, and refuses what it refuses', async () => {
    const { key } = await setup();
    const asked: Array<{ id: string; tokenVersion: number }> = [];
    const verify = createTokenVerifier(
      { jwks: { keys: [key.publicJwk] } },
      {
        sessions: async (claims) => {
          asked.push(claims);
          if (claims.tokenVersion < 3) throw new DomainError('UNAUTHENTICATED', 'ended');
        },
      },
    );
    expect(await codeOf(verify(await issueToken(key, { id: 'u1', role: 'FAN' }, 60, 2)))).toBe(
      'UNAUTHENTICATED',
    );
    await expect(verify(await issueToken(key, { id: 'u1', role: 'FAN' }, 60, 3))).resolves.toEqual({
      id: 'u1',
      role: 'FAN',
    });
    expect(asked).toEqual([
      { id: 'u1', tokenVersion: 2 },
      { id: 'u1', tokenVersion: 3 },
    ]);
  });

  describe('a token verified once', () => {
    afterEach(() => jest.useRealTimers());

    /** The verified-token cache, counting the tokens it was asked to keep (each a full check). */
    class CountingCache extends VerifiedTokens<TokenClaims> {
      checked = 0;
      override set(...args: Parameters<VerifiedTokens<TokenClaims>['set']>) {
        this.checked += 1;
        super.set(...args);
      }
    }

    it('is not checked again, while every call still asks its session', async () => {
      const { key } = await setup();
      const cache = new CountingCache();
      let sessionsAsked = 0;
      const verify = createTokenVerifier(
        createSignatureCheck({ jwks: { keys: [key.publicJwk] } }, cache),
        { sessions: async () => void (sessionsAsked += 1) },
      );
      const token = await issueToken(key, { id: 'u1', role: 'FAN', name: 'Fay' }, 60);
      const first = await verify(token);
      first.name = 'changed by a caller';
      await expect(verify(token)).resolves.toEqual({ id: 'u1', role: 'FAN', name: 'Fay' });
      expect(cache.checked).toBe(1);
      expect(sessionsAsked).toBe(2);
      // Another token of the same account is its own check.
      await verify(await issueToken(key, { id: 'u1', role: 'FAN' }, 60));
      expect(cache.checked).toBe(2);
    });

    it('is refused once it expires, though the cache would keep it longer', async () => {
      jest.useFakeTimers({ doNotFake: ['nextTick', 'setImmediate'] });
      const { key } = await setup();
      const verify = createTokenVerifier(
        createSignatureCheck(
          { jwks: { keys: [key.publicJwk] } },
          new VerifiedTokens({ maxEntries: 10, ttlMs: 3_600_000 }),
        ),
      );
      const token = await issueToken(key, { id: 'u1', role: 'FAN' }, 30);
      await expect(verify(token)).resolves.toMatchObject({ id: 'u1' });
      jest.advanceTimersByTime(31_000);
      expect(await codeOf(verify(token))).toBe('UNAUTHENTICATED');
    });

    it('is not taken for a token that differs from it', async () => {
      const { key } = await setup();
      const verify = createTokenVerifier(createSignatureCheck({ jwks: { keys: [key.publicJwk] } }));
      const token = await issueToken(key, { id: 'u1', role: 'FAN' }, 60);
      await verify(token);
      const [h, p, s] = token.split('.');
      const flipped = s[5] === 'A' ? 'B' : 'A';
      const otherSignature = `${h}.${p}.${s.slice(0, 5)}${flipped}${s.slice(6)}`;
      expect(await codeOf(verify(otherSignature))).toBe('UNAUTHENTICATED');
    });
  });
});

// A key set that does not come in time (the users service overloaded) is the service's trouble,
// not the token's: a client told UNAUTHENTICATED would be sent to sign in again for nothing.
it('answers SERVICE_UNAVAILABLE, not UNAUTHENTICATED, when the key set does not come in time', async () => {
  const { key } = await setup();
  const silent = createServer(() => undefined);
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
  try {
    const { port } = silent.address() as AddressInfo;
    const check = createSignatureCheck({
      jwksUrl: `http://127.0.0.1:${port}/.well-known/jwks.json`,
    });
    const token = await issueToken(key, { id: 'u1', role: 'FAN' }, 60);
    expect(await codeOf(check(token))).toBe('SERVICE_UNAVAILABLE');
  } finally {
    silent.closeAllConnections();
    await new Promise((resolve) => silent.close(resolve));
  }
}, 15_000);
