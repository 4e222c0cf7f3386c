import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { startClientServer, type RunningClientServer } from '../serve';

let server: RunningClientServer;
const dist = mkdtempSync(join(tmpdir(), 'ko-client-dist-'));
const SECRET = join(dist, '..', `outside-${process.pid}.txt`);

beforeAll(async () => {
  mkdirSync(join(dist, 'assets'));
  writeFileSync(join(dist, 'index.html'), '<!doctype html><title>KO</title><div id="root"></div>');
  writeFileSync(
    join(dist, 'assets', 'index-abc123.js'),
    `console.log(${JSON.stringify('x'.repeat(5000))});`,
  );
  writeFileSync(join(dist, 'assets', 'index-abc123.js.map'), '{"version":3,"sources":["App.tsx"]}');
  writeFileSync(SECRET, 'not for the web');
  server = await startClientServer({
    port: 0,
    graphqlUrl: 'http://router.test:4000/graphql',
    distDir: dist,
  });
});

afterAll(() => server?.close());

/** A raw request: fetch would normalize `..` and decode gzip for us. */
function get(path: string, options: { method?: string; headers?: Record<string, string> } = {}) {
  return new Promise<{
    status: number;
    headers: Record<string, string | string[] | undefined>;
    body: Buffer;
  }>((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port: server.port,
        path,
        method: options.method ?? 'GET',
        headers: options.headers,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks) }),
        );
      },
    );
    req.on('error', reject);
    req.end();
  });
}

describe('the client server', () => {
  it('never serves a source map, even one left in the build', async () => {
    const res = await get('/assets/index-abc123.js.map');
    expect(res.status).toBe(404);
    expect(res.body.toString()).not.toContain('sources');
  });

  it('serves the app with security headers that allow only itself and the router', async () => {
    const res = await get('/');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(res.body.toString()).toContain('<div id="root">');
    const csp = String(res.headers['content-security-policy']);
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("connect-src 'self' http://router.test:4000 ws://router.test:4000");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toContain('unsafe-inline');
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['referrer-policy']).toBe('no-referrer');
    expect(res.headers['cache-control']).toBe('no-cache');
  });

  it('tells the page where the router is', async () => {
    const res = await get('/config.json');
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body.toString())).toEqual({
      graphqlUrl: 'http://router.test:4000/graphql',
    });
    expect(res.headers['cache-control']).toBe('no-store');
  });

  it('answers client-side routes with the app, and missing files with 404', async () => {
    const route = await get('/events/0b7c5e1e-5a7e-4d7e-9d1a-2f3c4b5a6d7e');
    expect(route.status).toBe(200);
    expect(route.body.toString()).toContain('<div id="root">');
    expect((await get('/assets/missing-123.js')).status).toBe(404);
  });

  it('serves fingerprinted assets as immutable, compressed when asked', async () => {
    const res = await get('/assets/index-abc123.js', {
      headers: { 'accept-encoding': 'gzip, br' },
    });
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(res.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(res.headers['content-encoding']).toBe('gzip');
    expect(gunzipSync(res.body).toString()).toContain('xxxxx');
  });

  it.each([
    `/..%2f${'outside-' + process.pid}.txt`,
    `/%2e%2e/outside-${process.pid}.txt`,
    '/assets/..%2f..%2fetc%2fpasswd',
  ])('never serves files outside dist (%s)', async (path) => {
    const res = await get(path);
    expect(res.body.toString()).not.toContain('not for the web');
    expect(res.status).toBe(404);
  });

  it('refuses methods other than GET and HEAD', async () => {
    const res = await get('/', { method: 'POST' });
    expect(res.status).toBe(405);
    expect(res.headers.allow).toBe('GET, HEAD');
  });
});
