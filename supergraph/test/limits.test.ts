import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  ManagedProcess,
  errorCodes,
  freePort,
  graphql,
  routerMetric,
  startStack,
  testInfrastructure,
  type Stack,
} from '@ko/platform/testing';
import { sha256 } from '../src/trusted-documents';

let stack: Stack;
let url: string;

const subgraphRequestCount = () => routerMetric(url, 'router_subgraph_requests_total');

beforeAll(async () => {
  stack = await startStack({ ...testInfrastructure(), services: ['users', 'events', 'router'] });
  url = stack.routerUrl;
});

afterAll(() => stack?.stop({ dropDatabases: true }));

describe('query limits at the router', () => {
  // Event.organizer -> User.organizedEvents -> Event.organizer ... nests without end.
  const deep = (levels: number) => {
    let selection = 'id';
    for (let i = 0; i < levels; i++)
      selection = i % 2 ? `organizer { ${selection} }` : `organizedEvents { ${selection} }`;
    return `{ events(first: 1) { edges { node { organizer { ${selection} } } } } }`;
  };

  it.each([
    ['deep nesting', deep(30)],
    [
      '1,000 aliases',
      `{ ${Array.from({ length: 1000 }, (_, i) => `a${i}: categories`).join(' ')} }`,
    ],
    [
      'a huge fragment',
      `query { ...F } fragment F on Query { ${Array.from({ length: 1500 }, () => 'categories').join(' ')} }`,
    ],
    [
      'too many directives',
      `{ categories ${Array.from({ length: 60 }, () => '@include(if: true)').join(' ')} }`,
    ],
  ])('refuses %s before any subgraph is called', async (_label, query) => {
    const before = await subgraphRequestCount();
    const result = await graphql(url, query);
    expect(result.data ?? null).toBeNull();
    expect(result.errors?.length).toBeGreaterThan(0);
    expect(
      errorCodes(result).every(
        (code) =>
          code === 'GRAPHQL_VALIDATION_FAILED' ||
          code === 'BAD_USER_INPUT' ||
          code === 'GRAPHQL_PARSE_FAILED',
      ),
    ).toBe(true);
    expect(await subgraphRequestCount()).toBe(before);
  });

  it('counts the calls an accepted query makes (what the refusals above are measured by)', async () => {
    const before = await subgraphRequestCount();
    const result = await graphql(url, '{ categories }');
    expect(result.errors).toBeUndefined();
    expect(await subgraphRequestCount()).toBeGreaterThan(before);
  });

  it('still answers an ordinary page query and introspection', async () => {
    const page = await graphql(
      url,
      '{ events(first: 5) { totalCount edges { node { title organizer { name } } } } }',
    );
    expect(page.errors).toBeUndefined();
    const schema = await graphql(url, '{ __schema { queryType { name } mutationType { name } } }');
    expect(schema.data!.__schema).toEqual({
      queryType: { name: 'Query' },
      mutationType: { name: 'Mutation' },
    });
  });

  it('refuses a giant body with 413 and a batched request with 400', async () => {
    const giant = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        query: 'query($s: String) { events(filter: { search: $s }) { totalCount } }',
        variables: { s: 'x'.repeat(500_000) },
      }),
    });
    expect(giant.status).toBe(413);
    const batch = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify([{ query: '{ categories }' }, { query: '{ cities }' }]),
    });
    expect(batch.status).toBe(400);
  });

  it('gives CORS headers to configured origins only', async () => {
    const allowed = await fetch(url, {
      method: 'OPTIONS',
      headers: { origin: 'http://localhost:5173', 'access-control-request-method': 'POST' },
    });
    expect(allowed.status).toBe(204);
    expect(allowed.headers.get('access-control-allow-origin')).toBe('http://localhost:5173');
    const foreign = await fetch(url, {
      method: 'OPTIONS',
      headers: { origin: 'https://evil.example', 'access-control-request-method': 'POST' },
    });
    expect(foreign.headers.get('access-control-allow-origin')).toBeNull();
  });
});

describe('trusted documents', () => {
  const registered = 'query Categories { categories }';
  let trustedUrl: string;
  let router: ManagedProcess;

  beforeAll(async () => {
    const manifest = join(stack.workDir, 'persisted-documents.json');
    writeFileSync(manifest, JSON.stringify({ [sha256(registered)]: registered }));
    const template = stack.instances('router')[0].spec;
    const port = await freePort();
    router = new ManagedProcess({
      ...template,
      name: 'router-trusted',
      env: {
        ...template.env,
        PORT: String(port),
        TRUSTED_DOCUMENTS: manifest,
        TRUSTED_DOCUMENTS_ONLY: 'true',
      },
      logFile: join(stack.workDir, 'logs', 'router-trusted.log'),
      healthUrl: `http://127.0.0.1:${port}/health`,
    });
    await router.start();
    trustedUrl = `http://127.0.0.1:${port}/graphql`;
  });

  afterAll(() => router?.stop());

  const byHash = (target: string, hash: string) =>
    fetch(target, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ extensions: { persistedQuery: { version: 1, sha256Hash: hash } } }),
    }).then(
      (r) =>
        r.json() as Promise<{
          data?: { categories: string[] };
          errors?: Array<{ extensions: { code: string } }>;
        }>,
    );

  it('runs a registered operation sent by hash alone', async () => {
    const result = await byHash(trustedUrl, sha256(registered));
    expect(result.errors).toBeUndefined();
    expect(Array.isArray(result.data!.categories)).toBe(true);
  });

  it('refuses ad-hoc queries in trusted-only mode, and accepts them in the default mode', async () => {
    const adHoc = await graphql(trustedUrl, '{ cities }');
    expect(errorCodes(adHoc)).toEqual(['PERSISTED_QUERY_NOT_ALLOWED']);
    expect(adHoc.status).toBe(400);
    expect((await graphql(url, '{ cities }')).errors).toBeUndefined();
  });

  it('registers an integrator operation by automatic persisted query in the default mode', async () => {
    const query = '{ categories cities }';
    const miss = await byHash(url, sha256(query));
    expect(miss.errors?.[0].extensions.code).toBe('PERSISTED_QUERY_NOT_FOUND');
    const register = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        query,
        extensions: { persistedQuery: { version: 1, sha256Hash: sha256(query) } },
      }),
    });
    expect(register.status).toBe(200);
    const hit = await byHash(url, sha256(query));
    expect(hit.errors).toBeUndefined();
  });
});
