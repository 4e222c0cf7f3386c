/**
 * A local stand-in for AWS Lambda's Invoke API, so that services call their lambdas with the
 * real `@aws-sdk/client-lambda` (`InvokeCommand` with `endpoint` set) in development and tests.
 *
 *   POST /2015-03-31/functions/{name}/invocations   the Invoke API (RequestResponse, Event, DryRun)
 *   GET  /health                                    liveness and pool state
 *
 * Handlers run in one piscina pool of worker threads: rendering a burst of PDFs keeps the
 * cores busy but never this thread's event loop. Each invocation gets its own deadline; a
 * handler that overruns it is cut off by terminating its worker (as Lambda freezes its sandbox)
 * and the caller gets Lambda's `Sandbox.Timedout` error.
 *
 * Loading TypeScript in the workers: when this file runs from its source (jest, tsx), the pool
 * runs `worker.ts` and each thread is started with `--require <tsx/cjs>`, tsx's CommonJS hook,
 * so both the worker and the handlers (`lambdas/<name>/src/handler.ts`) compile on the fly in the
 * thread. When it runs from `dist/`, the pool runs `worker.js` and the handlers' `dist/handler.js`,
 * with no loader at all. The choice follows this file's own extension, never whether a `dist/`
 * happens to exist, so a stale build is never picked up by tests.
 */
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Piscina } from 'piscina';
import {
  DEFAULT_TIMEOUT_MS,
  MAX_ASYNC_REQUEST_BYTES,
  MAX_SYNC_REQUEST_BYTES,
  MAX_SYNC_RESPONSE_BYTES,
} from './limits';
import { RUNNING_FROM_SOURCE, buildRegistry, type BuiltinFunctionName } from './registry';
import type { InvokeResult, InvokeTask } from './worker';

export { BUILTIN_FUNCTIONS, type BuiltinFunctionName } from './registry';
export * from './limits';

/** The subset of pino's API the runner logs with. */
export interface RunnerLogger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

export interface LambdaRunnerOptions {
  /** Port to listen on; 0 picks a free one. Default 9001. */
  port?: number;
  /** Address to bind. Default 127.0.0.1. */
  host?: string;
  /** Worker threads, i.e. invocations running at once. Default: the number of cores. */
  maxThreads?: number;
  /** Per-invocation timeout, counted from the request's arrival. Default 30 000 ms. */
  timeoutMs?: number;
  /** Deployed names for the built-in functions, e.g. `{ 'render-tickets': 'ko-render-tickets' }`. */
  functionNames?: Partial<Record<BuiltinFunctionName, string>>;
  /** Extra functions: name → path of a module exporting `handler` (.js, or .ts when running from source). */
  handlers?: Record<string, string>;
  /** Region and account used in ARNs and error messages. */
  region?: string;
  logger?: RunnerLogger;
}

export interface LambdaRunner {
  /** Base URL to give the SDK as `endpoint`, e.g. `http://127.0.0.1:9001`. */
  url: string;
  /** Stops accepting requests, lets running invocations finish, then stops the workers. */
  close(): Promise<void>;
}

const ACCOUNT = '000000000000';
const INVOKE_PATH = /^\/2015-03-31\/functions\/([^/]+)\/invocations\/?$/;
const silentLogger: RunnerLogger = { info() {}, warn() {}, error() {} };

/** `arn:aws:lambda:us-east-1:123:function:name:qualifier`, `123:function:name` or `name:qualifier` → `name`. */
export function functionNameFromPath(raw: string): string {
  const marker = ':function:';
  const at = raw.indexOf(marker);
  const rest = at >= 0 ? raw.slice(at + marker.length) : raw;
  return rest.split(':')[0] ?? rest;
}

export async function startLambdaRunner(options: LambdaRunnerOptions = {}): Promise<LambdaRunner> {
  const logger = options.logger ?? silentLogger;
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const region = options.region ?? 'us-east-1';
  const registry = buildRegistry(options.functionNames, options.handlers);
  const arn = (name: string) => `arn:aws:lambda:${region}:${ACCOUNT}:function:${name}`;

  const maxThreads = Math.max(1, options.maxThreads ?? os.availableParallelism());
  const pool = new Piscina<InvokeTask, InvokeResult>({
    filename: path.join(__dirname, RUNNING_FROM_SOURCE ? 'worker.ts' : 'worker.js'),
    minThreads: Math.min(1, maxThreads),
    maxThreads,
    idleTimeout: 60_000,
    // From source the threads need tsx's require hook; from dist they inherit the process's flags.
    execArgv: RUNNING_FROM_SOURCE ? ['--require', require.resolve('tsx/cjs')] : undefined,
  });

  const inflight = new Set<Promise<unknown>>();
  const track = <T>(p: Promise<T>): Promise<T> => {
    inflight.add(p);
    void p.finally(() => inflight.delete(p)).catch(() => {});
    return p;
  };

  /** Runs one invocation and returns Lambda's answer: a payload, or an error document. */
  async function run(functionName: string, modulePath: string, event: unknown, requestId: string) {
    const deadlineMs = Date.now() + timeoutMs;
    const abort = new AbortController();
    const timer = setTimeout(() => abort.abort(), timeoutMs);
    const task: InvokeTask = {
      modulePath,
      event,
      context: {
        functionName,
        invokedFunctionArn: arn(functionName),
        awsRequestId: requestId,
        deadlineMs,
      },
    };
    try {
      return await pool.run(task, { signal: abort.signal });
    } catch (err) {
      if (abort.signal.aborted) {
        return {
          ok: false as const,
          errorType: 'Sandbox.Timedout',
          errorMessage: `RequestId: ${requestId} Error: Task timed out after ${(timeoutMs / 1000).toFixed(2)} seconds`,
        };
      }
      // The worker thread died (process.exit, out of memory, ...): Lambda's runtime exit error.
      return {
        ok: false as const,
        errorType: 'Runtime.ExitError',
        errorMessage: `RequestId: ${requestId} Error: Runtime exited with error: ${err instanceof Error ? err.message : String(err)}`,
      };
    } finally {
      clearTimeout(timer);
    }
  }

  function send(
    res: http.ServerResponse,
    status: number,
    headers: Record<string, string>,
    body?: string,
  ) {
    if (res.headersSent || res.destroyed) return;
    const payload = body === undefined ? undefined : Buffer.from(body, 'utf8');
    res.writeHead(status, {
      'Content-Type': 'application/json',
      ...(payload ? { 'Content-Length': String(payload.length) } : {}),
      ...headers,
    });
    res.end(payload);
  }

  /** An error of the Invoke API itself (not of the function): Lambda's REST-JSON error shape. */
  function apiError(
    res: http.ServerResponse,
    requestId: string,
    status: number,
    type: string,
    message: string,
  ) {
    send(
      res,
      status,
      { 'x-amzn-RequestId': requestId, 'x-amzn-ErrorType': type },
      JSON.stringify({ Type: 'User', message }),
    );
  }

  /** Reads the body, counting bytes past the limit without keeping them, so the 413 reaches a client still sending. */
  function readBody(
    req: http.IncomingMessage,
    limit: number,
  ): Promise<{ body: Buffer; size: number }> {
    return new Promise((resolve, reject) => {
      const chunks: Buffer[] = [];
      let size = 0;
      req.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size <= limit) chunks.push(chunk);
      });
      req.on('end', () =>
        resolve({ body: size <= limit ? Buffer.concat(chunks) : Buffer.alloc(0), size }),
      );
      req.on('error', reject);
    });
  }

  async function handleInvoke(
    req: http.IncomingMessage,
    res: http.ServerResponse,
    rawName: string,
  ) {
    const requestId = randomUUID();
    const name = functionNameFromPath(decodeURIComponent(rawName));
    const invocationType = String(req.headers['x-amz-invocation-type'] ?? 'RequestResponse');
    const modulePath = registry.get(name);
    const limit = invocationType === 'Event' ? MAX_ASYNC_REQUEST_BYTES : MAX_SYNC_REQUEST_BYTES;
    const { body, size } = await readBody(req, limit);

    if (!modulePath) {
      return apiError(
        res,
        requestId,
        404,
        'ResourceNotFoundException',
        `Function not found: ${arn(name)}`,
      );
    }
    if (!['RequestResponse', 'Event', 'DryRun'].includes(invocationType)) {
      return apiError(
        res,
        requestId,
        400,
        'InvalidParameterValueException',
        `1 validation error detected: Value '${invocationType}' at 'invocationType' failed to satisfy constraint: Member must satisfy enum value set: [Event, RequestResponse, DryRun]`,
      );
    }
    if (size > limit) {
      const message =
        invocationType === 'Event'
          ? `${size} byte payload is too large for the Event invocation type (limit ${limit} bytes)`
          : `Request must be smaller than ${limit} bytes for the InvokeFunction operation`;
      return apiError(res, requestId, 413, 'RequestEntityTooLargeException', message);
    }
    let event: unknown = {};
    if (body.length > 0) {
      try {
        event = JSON.parse(body.toString('utf8'));
      } catch (err) {
        return apiError(
          res,
          requestId,
          400,
          'InvalidRequestContentException',
          `Could not parse request body into json: ${err instanceof Error ? err.message : String(err)}`,
        );
      }
    }
    if (invocationType === 'DryRun') {
      return send(res, 204, { 'x-amzn-RequestId': requestId });
    }

    const started = Date.now();
    const outcome = track(run(name, modulePath, event, requestId)).then((result) => {
      if (
        result.ok &&
        Buffer.byteLength(result.payload, 'utf8') > MAX_SYNC_RESPONSE_BYTES &&
        invocationType !== 'Event'
      ) {
        const bytes = Buffer.byteLength(result.payload, 'utf8');
        return {
          ok: false as const,
          errorType: 'Function.ResponseSizeTooLarge',
          errorMessage: `Response payload size (${bytes} bytes) exceeded maximum allowed payload size (${MAX_SYNC_RESPONSE_BYTES} bytes).`,
        };
      }
      return result;
    });
    const log = (result: InvokeResult) =>
      (result.ok ? logger.info : logger.warn).call(
        logger,
        {
          function: name,
          requestId,
          invocationType,
          durationMs: Date.now() - started,
          ...(result.ok ? {} : { errorType: result.errorType, errorMessage: result.errorMessage }),
        },
        result.ok ? 'invocation succeeded' : 'invocation failed',
      );

    if (invocationType === 'Event') {
      send(res, 202, { 'x-amzn-RequestId': requestId });
      void outcome.then(log);
      return;
    }
    const result = await outcome;
    log(result);
    const headers: Record<string, string> = {
      'x-amzn-RequestId': requestId,
      'X-Amz-Executed-Version': '$LATEST',
    };
    if (result.ok) {
      return send(res, 200, headers, result.payload);
    }
    // Exactly what Lambda's Node.js runtime returns for a failed invocation.
    // (`trace` for an error the handler threw; none for the platform's own, like a timeout.)
    const doc = {
      errorType: result.errorType,
      errorMessage: result.errorMessage,
      ...(result.trace ? { trace: result.trace } : {}),
    };
    return send(res, 200, { ...headers, 'X-Amz-Function-Error': 'Unhandled' }, JSON.stringify(doc));
  }

  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://runner');
    const match = INVOKE_PATH.exec(url.pathname);
    if (match && req.method === 'POST') {
      handleInvoke(req, res, match[1]!).catch((err: unknown) => {
        logger.error({ err }, 'invoke request failed');
        apiError(
          res,
          randomUUID(),
          500,
          'ServiceException',
          'The lambda runner failed to handle the request',
        );
      });
      return;
    }
    req.resume();
    if (url.pathname === '/health' && (req.method === 'GET' || req.method === 'HEAD')) {
      return send(
        res,
        200,
        {},
        JSON.stringify({
          status: 'ok',
          functions: [...registry.keys()],
          threads: pool.threads.length,
          maxThreads,
          running: inflight.size,
          queued: pool.queueSize,
        }),
      );
    }
    apiError(
      res,
      randomUUID(),
      404,
      'UnknownOperationException',
      `Unknown operation ${req.method} ${url.pathname}`,
    );
  });
  // An invocation may legitimately take up to timeoutMs with the socket silent.
  server.requestTimeout = 0;
  server.headersTimeout = 60_000;
  server.keepAliveTimeout = 5_000;

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 9001, options.host ?? '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const host =
    address.address === '0.0.0.0'
      ? '127.0.0.1'
      : address.address === '::'
        ? '[::1]'
        : address.family === 'IPv6'
          ? `[${address.address}]`
          : address.address;
  const url = `http://${host}:${address.port}`;
  logger.info(
    { url, functions: [...registry.keys()], maxThreads, timeoutMs },
    'lambda runner listening',
  );

  let closing: Promise<void> | undefined;
  return {
    url,
    close() {
      closing ??= (async () => {
        const closed = new Promise<void>((resolve) => server.close(() => resolve()));
        server.closeIdleConnections();
        await Promise.allSettled([...inflight]);
        // Responses are written; drop the keep-alive sockets that are left.
        server.closeAllConnections();
        await closed;
        await pool.destroy();
      })();
      return closing;
    },
  };
}
