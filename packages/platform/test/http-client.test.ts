import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { HttpTimeoutError, httpRequest, isConnectFailure, postJson } from '../src/http-client';

/** A real HTTP server on loopback, answering with `handler`; counts the connections it accepts. */
async function serve(handler: http.RequestListener) {
  const server = http.createServer(handler);
  server.keepAliveTimeout = 65_000;
  let connections = 0;
  server.on('connection', () => (connections += 1));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/graphql`,
    get connections() {
      return connections;
    },
    close: () => {
      server.closeAllConnections();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

const readBody = (req: http.IncomingMessage) =>
  new Promise<string>((resolve) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => resolve(body));
  });

describe('httpRequest', () => {
  it('posts JSON with its headers and reads the whole answer, headers and status included', async () => {
    const server = await serve(async (req, res) => {
      const body = await readBody(req);
      res.setHeader('content-type', 'application/json');
      res.setHeader('x-seen', String(req.headers.authorization));
      res.statusCode = 207;
      res.end(JSON.stringify({ echo: JSON.parse(body), type: req.headers['content-type'] }));
    });
    try {
      const answer = await postJson(
        server.url,
        { query: '{ ok }' },
        { headers: { authorization: 'Bearer t' }, timeoutMs: 2_000 },
      );
      expect(answer.status).toBe(207);
      expect(answer.ok).toBe(true);
      expect(answer.headers.get('X-Seen')).toBe('Bearer t');
      expect(answer.headers.get('content-type')).toBe('application/json');
      expect(await answer.json()).toEqual({
        echo: { query: '{ ok }' },
        type: 'application/json',
      });
      expect(answer.bodyUsed).toBe(true);
    } finally {
      await server.close();
    }
  });

  it('keeps the connection for the next request rather than opening one each time', async () => {
    const server = await serve((_req, res) => res.end('{}'));
    try {
      for (let i = 0; i < 5; i++) await httpRequest(server.url, { timeoutMs: 2_000 });
      expect(server.connections).toBe(1);
    } finally {
      await server.close();
    }
  });

  it('fails with a TimeoutError when the answer does not come in time', async () => {
    const server = await serve(() => undefined);
    try {
      const started = Date.now();
      const failure = await httpRequest(server.url, { timeoutMs: 200 }).catch((e: Error) => e);
      expect(failure).toBeInstanceOf(HttpTimeoutError);
      expect((failure as Error).name).toBe('TimeoutError');
      expect(Date.now() - started).toBeLessThan(5_000);
    } finally {
      await server.close();
    }
  });

  it('says a refused connection is a connect failure, one another instance may take', async () => {
    const server = await serve((_req, res) => res.end());
    const { url } = server;
    await server.close();
    const failure = await httpRequest(url, { timeoutMs: 2_000 }).catch((e: unknown) => e);
    expect(isConnectFailure(failure)).toBe(true);
    expect(isConnectFailure(new HttpTimeoutError('late'))).toBe(false);
  });

  it('refuses an answer over its size limit', async () => {
    const server = await serve((_req, res) => res.end('x'.repeat(10_000)));
    try {
      await expect(httpRequest(server.url, { timeoutMs: 2_000, maxBytes: 1_000 })).rejects.toThrow(
        /over 1000 bytes/,
      );
      const fine = await httpRequest(server.url, { timeoutMs: 2_000, maxBytes: 10_000 });
      expect((await fine.text()).length).toBe(10_000);
    } finally {
      await server.close();
    }
  });
});
