// Serves the built client (client/dist) with plain node:http: static files, the SPA fallback to
// index.html, the router's URL at /config.json (so one build runs anywhere), and the security
// headers a page that shows user-written chat needs.
import { readFile, stat } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, resolve, sep } from 'node:path';
import { gzipSync } from 'node:zlib';

export interface ClientServerOptions {
  port: number;
  /** The router's GraphQL URL the page talks to (HTTP and graphql-ws). */
  graphqlUrl: string;
  /** The Vite build output. */
  distDir: string;
  host?: string;
}

export interface RunningClientServer {
  url: string;
  port: number;
  close(): Promise<void>;
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.webp': 'image/webp',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
};
const COMPRESSIBLE = new Set(['.html', '.js', '.mjs', '.css', '.json', '.svg', '.txt']);

/** The origins the page may connect to: itself, and the router over HTTP and WebSocket. */
export function routerOrigins(graphqlUrl: string): string[] {
  const http = new URL(graphqlUrl);
  const ws = new URL(http.href);
  ws.protocol = http.protocol === 'https:' ? 'wss:' : 'ws:';
  return [http.origin, ws.origin];
}

/** Headers on every response. Scripts and styles come from this origin only (no inline code). */
export function securityHeaders(graphqlUrl: string): Record<string, string> {
  const csp = [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    // QR codes are drawn to data: URLs; PDFs and CSV exports are handed over as blob: URLs.
    "img-src 'self' data: blob:",
    "font-src 'self'",
    `connect-src 'self' ${routerOrigins(graphqlUrl).join(' ')}`,
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join('; ');
  return {
    'content-security-policy': csp,
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
    'x-frame-options': 'DENY',
    'cross-origin-opener-policy': 'same-origin',
    'permissions-policy': 'camera=(self), microphone=(), geolocation=(), payment=()',
  };
}

interface CachedFile {
  body: Buffer;
  gzip?: Buffer;
  type: string;
}

export async function startClientServer(
  options: ClientServerOptions,
): Promise<RunningClientServer> {
  const distDir = resolve(options.distDir);
  const index = resolve(distDir, 'index.html');
  if (!(await stat(index).catch(() => undefined))) {
    throw new Error(`${index} does not exist: build the client first (npm run build -w client).`);
  }
  // Validate early: a bad GRAPHQL_URL should stop the server, not every page load.
  const headers = securityHeaders(options.graphqlUrl);
  const config = Buffer.from(JSON.stringify({ graphqlUrl: options.graphqlUrl }));
  const files = new Map<string, CachedFile>();

  async function load(path: string): Promise<CachedFile | undefined> {
    const cached = files.get(path);
    if (cached) return cached;
    const info = await stat(path).catch(() => undefined);
    if (!info?.isFile()) return undefined;
    const ext = extname(path);
    const body = await readFile(path);
    const file: CachedFile = { body, type: TYPES[ext] ?? 'application/octet-stream' };
    if (COMPRESSIBLE.has(ext) && body.length > 1024) file.gzip = gzipSync(body);
    files.set(path, file); // dist is immutable while served; a rebuild means a restart
    return file;
  }

  function send(
    req: IncomingMessage,
    res: ServerResponse,
    status: number,
    file: CachedFile,
    cacheControl: string,
  ): void {
    const gzip = file.gzip && /\bgzip\b/.test(String(req.headers['accept-encoding'] ?? ''));
    const body = gzip ? file.gzip! : file.body;
    res.writeHead(status, {
      ...headers,
      'content-type': file.type,
      'content-length': body.length,
      'cache-control': cacheControl,
      vary: 'Accept-Encoding',
      ...(gzip ? { 'content-encoding': 'gzip' } : {}),
    });
    res.end(req.method === 'HEAD' ? undefined : body);
  }

  function sendText(
    res: ServerResponse,
    status: number,
    text: string,
    extra: Record<string, string> = {},
  ): void {
    res.writeHead(status, {
      ...headers,
      'content-type': 'text/plain; charset=utf-8',
      'cache-control': 'no-store',
      ...extra,
    });
    res.end(text);
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (req.method !== 'GET' && req.method !== 'HEAD')
      return sendText(res, 405, 'Method not allowed', { allow: 'GET, HEAD' });
    let pathname: string;
    try {
      pathname = decodeURIComponent(new URL(req.url ?? '/', 'http://client.invalid').pathname);
    } catch {
      return sendText(res, 400, 'Bad request');
    }
    if (pathname === '/config.json') {
      return send(req, res, 200, { body: config, type: TYPES['.json']! }, 'no-store');
    }
    if (pathname === '/health') return sendText(res, 200, 'ok');
    const path = resolve(distDir, `.${pathname}`);
    if (pathname.includes('\0') || (path !== distDir && !path.startsWith(distDir + sep)))
      return sendText(res, 404, 'Not found');
    // Source maps would hand out the source: never served, even if a build left some behind.
    if (extname(pathname) === '.map') return sendText(res, 404, 'Not found');
    const file = path === distDir ? undefined : await load(path);
    if (file) {
      // Vite fingerprints everything under /assets: those never change under their name.
      const immutable = pathname.startsWith('/assets/');
      return send(
        req,
        res,
        200,
        file,
        immutable ? 'public, max-age=31536000, immutable' : 'no-cache',
      );
    }
    // Client-side routes (/events/…, /profile) get the app; a missing asset is a real 404.
    if (extname(pathname) === '' || pathname.endsWith('/')) {
      return send(req, res, 200, (await load(index))!, 'no-cache');
    }
    return sendText(res, 404, 'Not found');
  }

  const server: Server = createServer((req, res) => {
    handle(req, res).catch(() => {
      if (!res.headersSent) sendText(res, 500, 'Internal server error');
      else res.end();
    });
  });
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolveListen, reject) => {
    server.once('error', reject);
    server.listen(options.port, host, () => {
      server.off('error', reject);
      resolveListen();
    });
  });
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
    port,
    close: () =>
      new Promise<void>((done) => {
        server.close(() => done());
        server.closeAllConnections();
      }),
  };
}
