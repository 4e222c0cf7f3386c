import { spawnSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { SignJWT, generateKeyPair, importJWK, type JWK } from 'jose';
import { TOKEN_AUDIENCE, TOKEN_ISSUER } from '@ko/platform';
import {
  errorCodes,
  graphql,
  repoRoot,
  startStack,
  testInfrastructure,
  type Stack,
} from '@ko/platform/testing';

const SECRET_PASSWORD = 'pw-that-must-never-be-logged-7f3a';

let stack: Stack;
let valid: string;
let userId: string;

const b64 = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
const now = () => Math.floor(Date.now() / 1000);

beforeAll(async () => {
  stack = await startStack({
    ...testInfrastructure(),
    services: ['users', 'events', 'router'],
    serviceEnv: { users: { TOKEN_TTL_SECONDS: '2' } },
  });
  const registered = await graphql(
    stack.routerUrl,
    'mutation($i: RegisterInput!) { register(input: $i) { token user { id } } }',
    {
      i: {
        email: 'tokens@example.com',
        password: SECRET_PASSWORD,
        name: 'Toby',
        role: 'ORGANIZER',
      },
    },
  );
  valid = registered.data!.register.token;
  userId = registered.data!.register.user.id;
});

afterAll(() => stack?.stop({ dropDatabases: true }));

async function forgedTokens(): Promise<Record<string, string>> {
  const [header, , signature] = valid.split('.');
  const { kid } = JSON.parse(Buffer.from(header, 'base64url').toString()) as { kid: string };
  const claims = {
    sub: userId,
    role: 'ORGANIZER',
    iss: TOKEN_ISSUER,
    aud: TOKEN_AUDIENCE,
    iat: now(),
    exp: now() + 600,
  };
  const foreign = await generateKeyPair('RS256', { modulusLength: 2048 });
  const keys = JSON.parse(
    readFileSync(join(stack.workDir, 'keys', 'jwt-rs256.json'), 'utf8'),
  ) as JWK;
  const realKey = await importJWK(keys, 'RS256');
  return {
    'alg none': `${b64({ alg: 'none', typ: 'JWT' })}.${b64(claims)}.`,
    'HS256 with the public key as secret': `${b64({ alg: 'HS256', typ: 'JWT', kid })}.${b64(claims)}.${signature}`,
    tampered: `${header}.${b64({ ...claims, sub: '00000000-0000-4000-8000-000000000000' })}.${signature}`,
    'wrong key': await new SignJWT({ role: 'ORGANIZER' })
      .setProtectedHeader({ alg: 'RS256', kid })
      .setSubject(userId)
      .setIssuer(TOKEN_ISSUER)
      .setAudience(TOKEN_AUDIENCE)
      .setIssuedAt()
      .setExpirationTime('10m')
      .sign(foreign.privateKey),
    'wrong audience': await new SignJWT({ role: 'ORGANIZER' })
      .setProtectedHeader({ alg: 'RS256', kid })
      .setSubject(userId)
      .setIssuer(TOKEN_ISSUER)
      .setAudience('someone-else')
      .setIssuedAt()
      .setExpirationTime('10m')
      .sign(realKey),
  };
}

describe('tokens are verified by every service', () => {
  it.each(['router', 'events subgraph directly', 'users subgraph directly'])(
    'refuses forged tokens at the %s',
    async (where) => {
      const url =
        where === 'router'
          ? stack.routerUrl
          : where.startsWith('events')
            ? stack.urls.events!
            : stack.urls.users!;
      const query = where.startsWith('events')
        ? '{ events(first: 1) { totalCount } }'
        : '{ me { id } }';
      // A token of its own: `valid` lives 2 s, and a loaded machine can spend that before here.
      const fresh = (
        await graphql(
          stack.routerUrl,
          'mutation($e: String!, $p: String!) { login(email: $e, password: $p) { token } }',
          { e: 'tokens@example.com', p: SECRET_PASSWORD },
        )
      ).data!.login.token as string;
      expect((await graphql(url, query, {}, fresh)).errors).toBeUndefined();
      for (const [kind, token] of Object.entries(await forgedTokens())) {
        const result = await graphql(url, query, {}, token);
        expect({ kind, codes: errorCodes(result) }).toEqual({ kind, codes: ['UNAUTHENTICATED'] });
        expect({ kind, data: result.data ?? null }).toEqual({ kind, data: null });
      }
    },
  );

  it('refuses an expired token, saying so', async () => {
    await new Promise((r) => setTimeout(r, 3_000));
    for (const url of [stack.routerUrl, stack.urls.events!]) {
      const result = await graphql(url, '{ events(first: 1) { totalCount } }', {}, valid);
      expect(errorCodes(result)).toEqual(['UNAUTHENTICATED']);
      expect(result.errors![0].message).toMatch(/expired/);
    }
  });

  it('never writes a password into a log or an error', async () => {
    const wrong = await graphql(
      stack.routerUrl,
      'mutation($p: String!) { login(email: "tokens@example.com", password: $p) { token } }',
      { p: `${SECRET_PASSWORD}-x` },
    );
    expect(JSON.stringify(wrong)).not.toContain(SECRET_PASSWORD);
    const logs = join(stack.workDir, 'logs');
    for (const file of readdirSync(logs))
      expect(readFileSync(join(logs, file), 'utf8')).not.toContain(SECRET_PASSWORD);
  });
});

describe('secrets in production', () => {
  it('refuses to start users in production without a configured signing key', () => {
    const result = spawnSync(process.execPath, [join(repoRoot(), 'subgraphs/users/dist/main.js')], {
      env: {
        ...process.env,
        NODE_ENV: 'production',
        DATABASE_URL: stack.databaseUrls.users!,
        PORT: '0',
        JWT_PRIVATE_JWK: '',
      },
      encoding: 'utf8',
      timeout: 20_000,
    });
    expect(result.status).toBe(1);
    expect(result.stdout).toMatch(/JWT_PRIVATE_JWK/);
  });
});
