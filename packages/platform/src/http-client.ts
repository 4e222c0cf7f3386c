import http from 'node:http';
import https from 'node:https';

/**
 * How the platform's processes call each other over HTTP (the router's subgraph fetches, session
 * and people look-ups, service-to-service GraphQL): node:http on keep-alive connections, not the
 * global `fetch`. Measured on this project's machine, a small JSON POST through `fetch` cost about
 * 0.4 ms more CPU than through node:http (its WHATWG streams, abort signals and Response objects),
 * and the router makes several per page and per purchase.
 *
 * The answer is read whole before it is returned (these are small JSON bodies, bounded by
 * `maxBytes`), so `text()` and `json()` cost no more streaming. Its shape is the part of `fetch`'s
 * Response that callers use, and what Apollo Gateway's `Fetcher` type asks for.
 */

/** An exchange that took longer than its `timeoutMs`; named as `AbortSignal.timeout`'s error is. */
export class HttpTimeoutError extends Error {
  override readonly name = 'TimeoutError';
}

/** The request never reached the other side (refused, reset, unreachable): safe to send elsewhere. */
const CONNECT_FAILURES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EHOSTUNREACH', 'ENOTFOUND']);

/** Whether `error` says the request could not be delivered (so another instance may take it). */
export function isConnectFailure(error: unknown): boolean {
  const { code, cause } = (error ?? {}) as { code?: string; cause?: { code?: string } };
  return CONNECT_FAILURES.has(code ?? cause?.code ?? '');
}

export interface HttpRequestInit {
  method?: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
  /** The whole exchange, from connecting to the answer's last byte. */
  timeoutMs: number;
  /** The largest answer accepted (default 16 MiB); a bigger one fails the request. */
  maxBytes?: number;
}

// Idle connections are closed after 30 s, well before the servers' 65 s keep-alive
// (platform/http.ts): a connection reused as the server closes it would fail a request that was
// never delivered. LIFO reuse keeps the fewest connections warm.
const AGENT_OPTIONS = { keepAlive: true, timeout: 30_000, scheduling: 'lifo' } as const;
const agents = { http: new http.Agent(AGENT_OPTIONS), https: new https.Agent(AGENT_OPTIONS) };

/** An answer's headers (names in lower case), read-only in practice but shaped as `Headers`. */
export class AnswerHeaders implements Iterable<[string, string]> {
  private readonly map = new Map<string, string>();

  constructor(entries: Iterable<[string, string]> = []) {
    for (const [name, value] of entries) this.append(name, value);
  }

  append(name: string, value: string): void {
    const key = name.toLowerCase();
    const before = this.map.get(key);
    this.map.set(key, before === undefined ? value : `${before}, ${value}`);
  }
  delete(name: string): void {
    this.map.delete(name.toLowerCase());
  }
  get(name: string): string | null {
    return this.map.get(name.toLowerCase()) ?? null;
  }
  has(name: string): boolean {
    return this.map.has(name.toLowerCase());
  }
  set(name: string, value: string): void {
    this.map.set(name.toLowerCase(), value);
  }
  entries(): IterableIterator<[string, string]> {
    return this.map.entries();
  }
  keys(): IterableIterator<string> {
    return this.map.keys();
  }
  values(): IterableIterator<string> {
    return this.map.values();
  }
  [Symbol.iterator](): IterableIterator<[string, string]> {
    return this.map.entries();
  }
}

/** A complete HTTP answer, shaped as the `fetch` Response its callers read. */
export class HttpAnswer {
  readonly redirected = false;
  private used = false;

  constructor(
    readonly url: string,
    readonly status: number,
    readonly statusText: string,
    readonly headers: AnswerHeaders,
    private readonly body: Buffer,
  ) {}

  get ok(): boolean {
    return this.status >= 200 && this.status < 300;
  }
  get bodyUsed(): boolean {
    return this.used;
  }

  async text(): Promise<string> {
    this.used = true;
    return this.body.toString('utf8');
  }
  async json(): Promise<unknown> {
    return JSON.parse(await this.text());
  }
  async arrayBuffer(): Promise<ArrayBuffer> {
    this.used = true;
    const copy = new Uint8Array(this.body.length);
    copy.set(this.body);
    return copy.buffer;
  }
  clone(): HttpAnswer {
    return new HttpAnswer(this.url, this.status, this.statusText, this.headers, this.body);
  }
}

/** Sends one request and reads its whole answer; rejects on a transport failure or the deadline. */
export function httpRequest(url: string | URL, init: HttpRequestInit): Promise<HttpAnswer> {
  const target = typeof url === 'string' ? new URL(url) : url;
  const secure = target.protocol === 'https:';
  const maxBytes = init.maxBytes ?? 16 * 1024 * 1024;
  return new Promise<HttpAnswer>((resolve, reject) => {
    const headers: Record<string, string | number> = { ...init.headers };
    if (init.body !== undefined) headers['content-length'] = Buffer.byteLength(init.body);
    const request = (secure ? https : http).request(target, {
      method: init.method ?? (init.body === undefined ? 'GET' : 'POST'),
      headers,
      agent: secure ? agents.https : agents.http,
    });
    // Settles once: the first of the answer, a failure or the deadline; the others are ignored.
    const fail = (error: Error) => {
      clearTimeout(timer);
      reject(error);
      request.destroy();
    };
    const timer = setTimeout(
      () => fail(new HttpTimeoutError(`no answer from ${target.host} within ${init.timeoutMs} ms`)),
      init.timeoutMs,
    );
    request.on('error', fail);
    request.on('response', (response) => {
      const chunks: Buffer[] = [];
      let size = 0;
      response.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > maxBytes)
          fail(new Error(`the answer from ${target.host} is over ${maxBytes} bytes`));
        else chunks.push(chunk);
      });
      response.on('error', fail);
      response.on('end', () => {
        clearTimeout(timer);
        const answerHeaders = new AnswerHeaders();
        const raw = response.rawHeaders;
        for (let i = 0; i < raw.length; i += 2) answerHeaders.append(raw[i]!, raw[i + 1]!);
        resolve(
          new HttpAnswer(
            target.href,
            response.statusCode ?? 0,
            response.statusMessage ?? '',
            answerHeaders,
            chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size),
          ),
        );
      });
    });
    request.end(init.body);
  });
}

/** A JSON POST (the platform's internal calls): `body` is serialized here. */
export const postJson = (
  url: string | URL,
  body: unknown,
  options: { headers?: Record<string, string>; timeoutMs: number },
): Promise<HttpAnswer> =>
  httpRequest(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...options.headers },
    body: JSON.stringify(body),
    timeoutMs: options.timeoutMs,
  });
