import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { HeaderMap, type ApolloServer, type BaseContext } from '@apollo/server';
import type { Logger } from './logger';

export type Route = (req: IncomingMessage, res: ServerResponse) => Promise<void> | void;

/**
 * A bigger GraphQL body for one kind of request only (an image upload). The body is read up to
 * `maxBytes`; past the ordinary limit it is refused unless `admits` accepts the parsed body.
 */
export interface LargeBody {
  maxBytes: number;
  admits: (body: unknown) => boolean;
}

export interface HttpServiceOptions<C extends BaseContext> {
  logger: Logger;
  /**
   * Exact-path routes besides /graphql, e.g. `/health` or `/.well-known/jwks.json`; a key
   * ending in `*` matches every path that starts with what comes before it.
   */
  routes?: Record<string, Route>;
  apollo?: {
    server: ApolloServer<C>;
    path?: string;
    context: (req: IncomingMessage) => Promise<C>;
    /** Wraps each GraphQL request's handling (a subgraph's per-request budget). */
    perRequest?: (work: () => Promise<void>) => Promise<void>;
    /** A larger answer is replaced by a RESPONSE_TOO_LARGE error. */
    maxResponseBytes?: number;
    largeBody?: LargeBody;
  };
  maxBodyBytes?: number;
  /** Browser origins allowed to call (CORS); others get no CORS headers, so browsers block them. */
  corsOrigins?: string[];
}

const CORS_ALLOW_HEADERS =
  'authorization, content-type, apollo-require-preflight, x-apollo-operation-name';

/** Answers a CORS preflight; returns true when the request was one. */
function applyCors(req: IncomingMessage, res: ServerResponse, origins: string[]): boolean {
  const origin = req.headers.origin;
  if (origin && origins.includes(origin)) {
    res.setHeader('access-control-allow-origin', origin);
    res.setHeader('vary', 'Origin');
  }
  if (req.method !== 'OPTIONS') return false;
  if (origin && origins.includes(origin)) {
    res.setHeader('access-control-allow-methods', 'GET, POST, OPTIONS');
    res.setHeader('access-control-allow-headers', CORS_ALLOW_HEADERS);
    res.setHeader('access-control-max-age', '600');
  }
  res.writeHead(204);
  res.end();
  return true;
}

export class PayloadTooLargeError extends Error {}

export function readBody(req: IncomingMessage, limit: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        reject(new PayloadTooLargeError(`Request body over ${limit} bytes`));
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
  });
  res.end(text);
}

function toHeaderMap(req: IncomingMessage): HeaderMap {
  const headers = new HeaderMap();
  for (const [key, value] of Object.entries(req.headers)) {
    if (value !== undefined) headers.set(key, Array.isArray(value) ? value.join(', ') : value);
  }
  return headers;
}

/** Runs one GraphQL-over-HTTP request through Apollo Server on a plain Node request. */
export async function handleGraphQL<C extends BaseContext>(
  server: ApolloServer<C>,
  req: IncomingMessage,
  res: ServerResponse,
  context: () => Promise<C>,
  maxBodyBytes: number,
  maxResponseBytes = Infinity,
  largeBody?: LargeBody,
): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://localhost');
  const raw =
    req.method === 'POST'
      ? await readBody(req, Math.max(maxBodyBytes, largeBody?.maxBytes ?? 0))
      : '';
  let body: unknown = raw;
  if (raw && (req.headers['content-type'] ?? '').includes('application/json')) {
    try {
      body = JSON.parse(raw);
    } catch {
      sendJson(res, 400, {
        errors: [
          { message: 'The request body is not valid JSON.', extensions: { code: 'BAD_REQUEST' } },
        ],
      });
      return;
    }
  }
  if (Buffer.byteLength(raw) > maxBodyBytes && !largeBody?.admits(body))
    throw new PayloadTooLargeError(`Request body over ${maxBodyBytes} bytes`);
  const response = await server.executeHTTPGraphQLRequest({
    httpGraphQLRequest: {
      method: req.method ?? 'GET',
      headers: toHeaderMap(req),
      search: url.search,
      body,
    },
    context,
  });
  for (const [key, value] of response.headers) res.setHeader(key, value);
  res.statusCode = response.status ?? 200;
  if (response.body.kind === 'complete') {
    if (Buffer.byteLength(response.body.string) > maxResponseBytes) {
      sendJson(res, 200, {
        errors: [
          {
            message: `The answer to this request is over ${maxResponseBytes} bytes: ask for less at once.`,
            extensions: { code: 'RESPONSE_TOO_LARGE', limit: maxResponseBytes },
          },
        ],
      });
      return;
    }
    res.end(response.body.string);
    return;
  }
  for await (const chunk of response.body.asyncIterator) res.write(chunk);
  res.end();
}

function prefixRoute(routes: Record<string, Route>, path: string): Route | undefined {
  for (const [key, route] of Object.entries(routes))
    if (key.endsWith('*') && path.startsWith(key.slice(0, -1))) return route;
  return undefined;
}

export interface RunningHttpService {
  server: Server;
  port: number;
  url: string;
  close(): Promise<void>;
}

/** A plain Node HTTP server: GraphQL at /graphql plus a few exact-path routes. */
export async function listen<C extends BaseContext>(
  options: HttpServiceOptions<C>,
  port: number,
  host: string,
): Promise<RunningHttpService> {
  const { logger, routes = {}, apollo, maxBodyBytes = 1_000_000, corsOrigins = [] } = options;
  const graphqlPath = apollo?.path ?? '/graphql';
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    if (applyCors(req, res, corsOrigins)) return;
    // Only GraphQL requests may be admitted past the ordinary limit, once their body is read.
    const limit =
      apollo?.largeBody && path === graphqlPath
        ? Math.max(maxBodyBytes, apollo.largeBody.maxBytes)
        : maxBodyBytes;
    if (Number(req.headers['content-length'] ?? 0) > limit) {
      sendJson(res, 413, {
        errors: [
          {
            message: `Request body over ${limit} bytes`,
            extensions: { code: 'PAYLOAD_TOO_LARGE' },
          },
        ],
      });
      req.resume();
      return;
    }
    const route = routes[path] ?? prefixRoute(routes, path);
    const work = route
      ? route(req, res)
      : apollo && path === graphqlPath
        ? (apollo.perRequest ?? ((work: () => Promise<void>) => work()))(() =>
            handleGraphQL(
              apollo.server,
              req,
              res,
              () => apollo.context(req),
              maxBodyBytes,
              apollo.maxResponseBytes,
              apollo.largeBody,
            ),
          )
        : sendJson(res, 404, { error: `No route for ${path}` });
    Promise.resolve(work).catch((error: unknown) => {
      if (error instanceof PayloadTooLargeError) {
        sendJson(res, 413, {
          errors: [{ message: error.message, extensions: { code: 'PAYLOAD_TOO_LARGE' } }],
        });
        return;
      }
      logger.error({ err: error, path }, 'request failed');
      if (!res.headersSent)
        sendJson(res, 500, {
          errors: [
            { message: 'Internal server error', extensions: { code: 'INTERNAL_SERVER_ERROR' } },
          ],
        });
      else res.end();
    });
  });
  // Keep-alive longer than the router's idle timeout so reused sockets are not cut mid-request.
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;
  server.requestTimeout = 30_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const actual = (server.address() as AddressInfo).port;
  return {
    server,
    port: actual,
    url: `http://${host.includes(':') ? `[${host}]` : host}:${actual}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
      }),
  };
}
