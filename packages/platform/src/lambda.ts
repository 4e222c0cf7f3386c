/**
 * Invoking the lambdas (render-tickets, sales-report) with the real AWS SDK.
 *
 * Locally `endpoint` points at the lambda runner (lambdas/runner), which speaks Lambda's
 * Invoke API; in AWS `endpoint` is left unset and the SDK finds the region and credentials
 * the usual way (environment, shared config, container or instance role).
 *
 * Failure semantics, so callers can map them to GraphQL errors:
 * - the function ran and threw (or timed out inside Lambda): `LambdaFunctionError`
 *   with Lambda's `errorType` / `errorMessage`; never retried (the call itself succeeded);
 * - the payload is over Lambda's 6 MB request limit: `LambdaPayloadTooLargeError`, before sending;
 * - no answer within `timeoutMs`: `LambdaTimeoutError`; not retried (the function may still be running);
 * - throttling (429), 5xx and connection failures: retried by the SDK's standard strategy
 *   up to `maxRetries` times, then the SDK's error (e.g. `TooManyRequestsException`);
 * - anything else from Lambda (`ResourceNotFoundException`, ...): the SDK's error, as is.
 */
import { InvokeCommand, LambdaClient, type LambdaClientConfig } from '@aws-sdk/client-lambda';
import { NodeHttpHandler } from '@smithy/node-http-handler';

/** Lambda's limit on a synchronous invocation's request payload, in bytes. */
export const LAMBDA_MAX_REQUEST_BYTES = 6_291_456;

export interface LambdaInvokerConfig {
  /** The Invoke API's base URL, e.g. `http://localhost:9001`; unset means real AWS Lambda. */
  endpoint?: string;
  /**
   * Per logical name, an Invoke API base URL that overrides `endpoint`: docker-compose runs each
   * function in its own Lambda base-image container, whose emulator serves that function only.
   */
  endpoints?: Record<string, string>;
  /** AWS region; with an endpoint and no region, `us-east-1` (the runner ignores it). */
  region?: string;
  /** Deadline for one `invoke`, retries included, in ms. Default 35 000 (the runner's 30 s plus margin). */
  timeoutMs?: number;
  /** Retries on throttling and transient failures. Default 2 (so 3 attempts). */
  maxRetries?: number;
  /** Logical name (what the code says) to deployed function name or ARN. */
  functionNames: Record<string, string>;
}

export interface LambdaInvoker {
  /** Invokes `logicalName` synchronously with `payload` as JSON and resolves with its JSON result. */
  invoke<TIn, TOut>(logicalName: string, payload: TIn): Promise<TOut>;
  /** Closes the HTTP connections. */
  close(): void;
}

/** The function ran and failed: Lambda answered with `X-Amz-Function-Error`. */
export class LambdaFunctionError extends Error {
  override name = 'LambdaFunctionError';
  constructor(
    readonly functionName: string,
    readonly errorType: string,
    readonly errorMessage: string,
    /** `Unhandled` or `Handled`, as in the `X-Amz-Function-Error` header. */
    readonly functionError: string = 'Unhandled',
  ) {
    super(`Lambda ${functionName} failed with ${errorType}: ${errorMessage}`);
  }
}

/** The payload is larger than Lambda accepts for a synchronous invocation; nothing was sent. */
export class LambdaPayloadTooLargeError extends Error {
  override name = 'LambdaPayloadTooLargeError';
  constructor(
    readonly functionName: string,
    readonly bytes: number,
  ) {
    super(
      `Payload for Lambda ${functionName} is ${bytes} bytes; a synchronous invocation takes at most ${LAMBDA_MAX_REQUEST_BYTES} bytes`,
    );
  }
}

/** No answer within the invoker's `timeoutMs`. */
export class LambdaTimeoutError extends Error {
  override name = 'LambdaTimeoutError';
  constructor(
    readonly functionName: string,
    readonly timeoutMs: number,
  ) {
    super(`Lambda ${functionName} did not answer within ${timeoutMs} ms`);
  }
}

const DEFAULT_TIMEOUT_MS = 35_000;
const DEFAULT_MAX_RETRIES = 2;

export function createLambdaInvoker(config: LambdaInvokerConfig): LambdaInvoker {
  const timeoutMs = config.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const maxRetries = config.maxRetries ?? DEFAULT_MAX_RETRIES;
  // One client per distinct endpoint ('' = real AWS Lambda), made on first use.
  const clients = new Map<string, LambdaClient>();
  const clientFor = (logicalName: string): LambdaClient => {
    const endpoint = config.endpoints?.[logicalName] ?? config.endpoint;
    const existing = clients.get(endpoint ?? '');
    if (existing) return existing;
    const clientConfig: LambdaClientConfig = {
      // The standard strategy retries throttling, 5xx and network errors only. A function error is a
      // 200 response, so it is never retried; our deadline is an abort, which is never retried either.
      maxAttempts: maxRetries + 1,
      requestHandler: new NodeHttpHandler({ connectionTimeout: Math.min(timeoutMs, 5_000) }),
    };
    if (endpoint) {
      clientConfig.endpoint = endpoint;
      clientConfig.region = config.region ?? 'us-east-1';
      // The runner checks no signature: dummy keys keep the SDK from looking for real ones.
      clientConfig.credentials = { accessKeyId: 'local', secretAccessKey: 'local' };
    } else if (config.region) {
      clientConfig.region = config.region;
    }
    const client = new LambdaClient(clientConfig);
    clients.set(endpoint ?? '', client);
    return client;
  };
  // A per-function endpoint is a Lambda base image's emulator, which runs one invocation at a
  // time (an overlapping one is refused, and some emulator versions crash on it): calls to it
  // take turns. The wait counts against the caller's deadline.
  const tails = new Map<string, Promise<void>>();
  const inTurn = async <T>(logicalName: string, signal: AbortSignal, run: () => Promise<T>) => {
    const key = config.endpoints?.[logicalName];
    if (!key) return run();
    const previous = tails.get(key) ?? Promise.resolve();
    let release = () => {};
    const done = new Promise<void>((resolve) => (release = resolve));
    // The next call waits for this one and, through `previous`, for every one before it.
    const tail = previous.then(() => done);
    tails.set(key, tail);
    void tail.then(() => tails.get(key) === tail && tails.delete(key));
    try {
      await Promise.race([
        previous,
        new Promise<never>((_, reject) => {
          if (signal.aborted) reject(signal.reason as Error);
          signal.addEventListener('abort', () => reject(signal.reason as Error), { once: true });
        }),
      ]);
      return await run();
    } finally {
      release();
    }
  };

  return {
    async invoke<TIn, TOut>(logicalName: string, payload: TIn): Promise<TOut> {
      const functionName = config.functionNames[logicalName];
      if (!functionName) {
        throw new Error(
          `No Lambda function configured for "${logicalName}" (known: ${Object.keys(config.functionNames).join(', ') || 'none'})`,
        );
      }
      const json = JSON.stringify(payload ?? null);
      const body = Buffer.from(json, 'utf8');
      if (body.length > LAMBDA_MAX_REQUEST_BYTES) {
        throw new LambdaPayloadTooLargeError(functionName, body.length);
      }
      const deadline = new AbortController();
      const timer = setTimeout(
        () => deadline.abort(new LambdaTimeoutError(functionName, timeoutMs)),
        timeoutMs,
      );
      let response;
      try {
        response = await inTurn(logicalName, deadline.signal, () =>
          clientFor(logicalName).send(
            new InvokeCommand({
              FunctionName: functionName,
              InvocationType: 'RequestResponse',
              Payload: body,
            }),
            { abortSignal: deadline.signal },
          ),
        );
      } catch (err) {
        if (deadline.signal.aborted) throw new LambdaTimeoutError(functionName, timeoutMs);
        throw err;
      } finally {
        clearTimeout(timer);
      }
      const text = response.Payload ? Buffer.from(response.Payload).toString('utf8') : '';
      // The emulator answers a function error with 200 and Lambda's error document but without
      // the X-Amz-Function-Error header (aws-lambda-runtime-interface-emulator issue 20).
      const functionError =
        response.FunctionError ??
        (config.endpoints?.[logicalName] && isErrorDocument(text) ? 'Unhandled' : undefined);
      if (functionError) {
        const { errorType, errorMessage } = parseFunctionError(text);
        throw new LambdaFunctionError(functionName, errorType, errorMessage, functionError);
      }
      if (text === '') return undefined as TOut;
      try {
        return JSON.parse(text) as TOut;
      } catch {
        throw new Error(
          `Lambda ${functionName} returned a payload that is not JSON: ${text.slice(0, 200)}`,
        );
      }
    },
    close() {
      for (const client of clients.values()) client.destroy();
      clients.clear();
    },
  };
}

/** Exactly Lambda's error document for a Node handler: `{ errorType, errorMessage, trace? }`. */
function isErrorDocument(text: string): boolean {
  try {
    const doc: unknown = JSON.parse(text);
    if (!doc || typeof doc !== 'object' || Array.isArray(doc)) return false;
    const { errorType, errorMessage, ...rest } = doc as Record<string, unknown>;
    return (
      typeof errorType === 'string' &&
      typeof errorMessage === 'string' &&
      Object.keys(rest).every((key) => key === 'trace' || key === 'stackTrace')
    );
  } catch {
    return false;
  }
}

/** Lambda's error document: `{ errorType, errorMessage, trace }` (Node), `stackTrace` (others), or a bare string. */
function parseFunctionError(text: string): { errorType: string; errorMessage: string } {
  try {
    const doc: unknown = JSON.parse(text);
    if (doc && typeof doc === 'object') {
      const { errorType, errorMessage } = doc as { errorType?: unknown; errorMessage?: unknown };
      return {
        errorType: typeof errorType === 'string' ? errorType : 'Error',
        errorMessage: typeof errorMessage === 'string' ? errorMessage : text,
      };
    }
    if (typeof doc === 'string') return { errorType: 'Error', errorMessage: doc };
  } catch {
    // Not JSON: the text is the message.
  }
  return { errorType: 'Error', errorMessage: text };
}

/**
 * The invoker's settings from the environment:
 * - `LAMBDA_ENDPOINT`: the runner's URL (e.g. `http://lambda-runner:9001`); unset means real AWS Lambda;
 * - `LAMBDA_RENDER_TICKETS_ENDPOINT`, `LAMBDA_SALES_REPORT_ENDPOINT`: one function's own endpoint,
 *   overriding `LAMBDA_ENDPOINT` (docker-compose: a Lambda base-image container per function);
 * - `AWS_REGION` (or `AWS_DEFAULT_REGION`); `LAMBDA_TIMEOUT_MS`; `LAMBDA_MAX_RETRIES`;
 * - `LAMBDA_RENDER_TICKETS_FUNCTION`, `LAMBDA_SALES_REPORT_FUNCTION`, `LAMBDA_SEND_MAIL_FUNCTION`:
 *   deployed names or ARNs (default `render-tickets`, `sales-report`, `send-mail`, the runner's names);
 *   `LAMBDA_SEND_MAIL_ENDPOINT` like the others' endpoints.
 */
export function lambdaInvokerConfigFromEnv(
  env: NodeJS.ProcessEnv = process.env,
): LambdaInvokerConfig {
  const num = (name: string): number | undefined => {
    const raw = env[name];
    if (raw === undefined || raw === '') return undefined;
    const value = Number(raw);
    if (!Number.isFinite(value) || value < 0)
      throw new Error(`${name} must be a non-negative number, got "${raw}"`);
    return value;
  };
  const endpoints: Record<string, string> = {};
  if (env.LAMBDA_RENDER_TICKETS_ENDPOINT)
    endpoints['render-tickets'] = env.LAMBDA_RENDER_TICKETS_ENDPOINT;
  if (env.LAMBDA_SALES_REPORT_ENDPOINT)
    endpoints['sales-report'] = env.LAMBDA_SALES_REPORT_ENDPOINT;
  if (env.LAMBDA_SEND_MAIL_ENDPOINT) endpoints['send-mail'] = env.LAMBDA_SEND_MAIL_ENDPOINT;
  return {
    endpoint: env.LAMBDA_ENDPOINT || undefined,
    ...(Object.keys(endpoints).length > 0 ? { endpoints } : {}),
    region: env.AWS_REGION || env.AWS_DEFAULT_REGION || undefined,
    timeoutMs: num('LAMBDA_TIMEOUT_MS'),
    maxRetries: num('LAMBDA_MAX_RETRIES'),
    functionNames: {
      'render-tickets': env.LAMBDA_RENDER_TICKETS_FUNCTION || 'render-tickets',
      'sales-report': env.LAMBDA_SALES_REPORT_FUNCTION || 'sales-report',
      'send-mail': env.LAMBDA_SEND_MAIL_FUNCTION || 'send-mail',
    },
  };
}
