/**
 * A local stand-in for AWS Lambda's Invoke API, so that services call their lambdas with the
 * real `@aws-sdk/client-lambda` (`InvokeCommand` with `endpoint` set) in development and tests.
 *
 *   POST /2015-03-31/functions/{name}/invocations   the Invoke API (RequestResponse, Event, DryRun)
 *   GET  /health                                    liveness and pool state
 *
 * Handlers run in one piscina pool of worker threads (invocations.ts): rendering a burst of PDFs
 * keeps the cores busy but never this thread's event loop. Each invocation gets its own
 * deadline; a handler that overruns it is cut off and the caller gets Lambda's
 * `Sandbox.Timedout` error. The wire format is in invoke-api.ts.
 *
 * Loading TypeScript in the workers: when the runner runs from its source (jest, tsx), the pool
 * runs `worker.ts` and each thread is started with `--require <tsx/cjs>`, tsx's CommonJS hook,
 * so both the worker and the handlers (`lambdas/<name>/src/handler.ts`) compile on the fly in the
 * thread. When it runs from `dist/`, the pool runs `worker.js` and the handlers' `dist/handler.js`,
 * with no loader at all (registry.ts decides, by its own file's extension).
 */
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Invocations } from './invocations';
import {
  INVOKE_PATH,
  functionNameFromPath,
  readInvokeRequest,
  send,
  sendApiError,
  sendResult,
} from './invoke-api';
import { DEFAULT_TIMEOUT_MS } from './limits';
import { buildRegistry, type BuiltinFunctionName } from './registry';
import type { InvokeResult } from './worker';

export { BUILTIN_FUNCTIONS, type BuiltinFunctionName } from './registry';
export { functionNameFromPath } from './invoke-api';
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

const silentLogger: RunnerLogger = { info() {}, warn() {}, error() {} };

export async function startLambdaRunner(options: LambdaRunnerOptions = {}): Promise<LambdaRunner> {
  const logger = options.logger ?? silentLogger;
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const registry = buildRegistry(options.functionNames, options.handlers);
  const invocations = new Invocations(timeoutMs, options.region ?? 'us-east-1', options.maxThreads);
  const invoke = invokeHandler(registry, invocations, logger);

  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://runner');
    const match = INVOKE_PATH.exec(url.pathname);
    if (match && req.method === 'POST') {
      invoke(req, res, match[1]!).catch((err: unknown) => {
        logger.error({ err }, 'invoke request failed');
        sendApiError(res, randomUUID(), {
          status: 500,
          type: 'ServiceException',
          message: 'The lambda runner failed to handle the request',
        });
      });
      return;
    }
    req.resume();
    if (url.pathname === '/health' && (req.method === 'GET' || req.method === 'HEAD')) {
      const health = { status: 'ok', functions: [...registry.keys()], ...invocations.stats() };
      return send(res, 200, {}, JSON.stringify(health));
    }
    sendApiError(res, randomUUID(), {
      status: 404,
      type: 'UnknownOperationException',
      message: `Unknown operation ${req.method} ${url.pathname}`,
    });
  });
  // An invocation may legitimately take up to timeoutMs with the socket silent.
  server.requestTimeout = 0;
  server.headersTimeout = 60_000;
  server.keepAliveTimeout = 5_000;

  const url = await listen(server, options.port ?? 9001, options.host ?? '127.0.0.1');
  logger.info(
    { url, functions: [...registry.keys()], maxThreads: invocations.maxThreads, timeoutMs },
    'lambda runner listening',
  );

  let closing: Promise<void> | undefined;
  const close = async () => {
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeIdleConnections();
    await invocations.close();
    // Responses are written; drop the keep-alive sockets that are left.
    server.closeAllConnections();
    await closed;
  };
  return { url, close: () => (closing ??= close()) };
}

/** Answers one Invoke request: checks it, runs the function, and answers the way Lambda does. */
function invokeHandler(
  registry: Map<string, string>,
  invocations: Invocations,
  logger: RunnerLogger,
) {
  return async (req: http.IncomingMessage, res: http.ServerResponse, rawName: string) => {
    const requestId = randomUUID();
    const name = functionNameFromPath(decodeURIComponent(rawName));
    const modulePath = registry.get(name);
    const request = await readInvokeRequest(req, modulePath !== undefined, invocations.arn(name));
    if ('status' in request) return sendApiError(res, requestId, request);
    const { invocationType, event } = request;
    if (invocationType === 'DryRun') return send(res, 204, { 'x-amzn-RequestId': requestId });

    const started = Date.now();
    const synchronous = invocationType === 'RequestResponse';
    const outcome = invocations.run(name, modulePath!, event, requestId, synchronous);
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
    if (!synchronous) {
      send(res, 202, { 'x-amzn-RequestId': requestId });
      void outcome.then(log);
      return;
    }
    const result = await outcome;
    log(result);
    sendResult(res, requestId, result);
  };
}

/** Listens on `port` and `host`; the URL to reach it (a wildcard address as loopback). */
async function listen(server: http.Server, port: number, host: string): Promise<string> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const reachable =
    address.address === '0.0.0.0'
      ? '127.0.0.1'
      : address.address === '::'
        ? '[::1]'
        : address.family === 'IPv6'
          ? `[${address.address}]`
          : address.address;
  return `http://${reachable}:${address.port}`;
}
