/**
 * The piscina task: runs one invocation inside a worker thread, the way Lambda's Node.js
 * runtime would, and never throws: the outcome comes back as data so that the error's
 * name (its Lambda `errorType`) survives the trip between threads.
 */

export interface InvokeTask {
  /** Absolute path of the module exporting `handler`. */
  modulePath: string;
  event: unknown;
  context: {
    functionName: string;
    invokedFunctionArn: string;
    awsRequestId: string;
    /** Epoch ms after which the runner gives up on this invocation. */
    deadlineMs: number;
  };
}

export type InvokeResult =
  | { ok: true; /** The handler's result as JSON (`null` for undefined). */ payload: string }
  | {
      ok: false;
      errorType: string;
      errorMessage: string;
      /** The stack, line by line; absent for the runner's own errors. */ trace?: string[];
    };

/** What a handler receives as its second argument (the subset of Lambda's context that makes sense here). */
export interface LambdaContext {
  functionName: string;
  functionVersion: string;
  invokedFunctionArn: string;
  memoryLimitInMB: string;
  awsRequestId: string;
  logGroupName: string;
  logStreamName: string;
  callbackWaitsForEmptyEventLoop: boolean;
  getRemainingTimeInMillis(): number;
}

type Handler = (event: unknown, context: LambdaContext) => unknown;

const handlers = new Map<string, Handler>();

function errorResult(errorType: string, err: unknown): InvokeResult {
  if (err instanceof Error) {
    return {
      ok: false,
      errorType,
      errorMessage: err.message,
      trace: (err.stack ?? '').split('\n'),
    };
  }
  return {
    ok: false,
    errorType,
    errorMessage: typeof err === 'string' ? err : String(JSON.stringify(err)),
    trace: [],
  };
}

function load(modulePath: string): Handler | InvokeResult {
  const cached = handlers.get(modulePath);
  if (cached) return cached;
  let mod: { handler?: unknown };
  try {
    // A plain require: from dist it loads JavaScript; from source the thread was started
    // with tsx's CommonJS hook (see server.ts), which compiles the TypeScript on the fly.
    // (A runtime path, so no static import can express it.)
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    mod = require(modulePath) as { handler?: unknown };
  } catch (err) {
    return errorResult('Runtime.ImportModuleError', err);
  }
  if (typeof mod.handler !== 'function') {
    return {
      ok: false,
      errorType: 'Runtime.HandlerNotFound',
      errorMessage: `${modulePath}.handler is undefined or not exported`,
      trace: [],
    };
  }
  const handler = mod.handler as Handler;
  handlers.set(modulePath, handler);
  return handler;
}

export default async function invoke(task: InvokeTask): Promise<InvokeResult> {
  const handler = load(task.modulePath);
  if (typeof handler !== 'function') return handler;
  const context: LambdaContext = {
    functionName: task.context.functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: task.context.invokedFunctionArn,
    memoryLimitInMB: '1024',
    awsRequestId: task.context.awsRequestId,
    logGroupName: `/aws/lambda/${task.context.functionName}`,
    logStreamName: 'local',
    callbackWaitsForEmptyEventLoop: true,
    getRemainingTimeInMillis: () => Math.max(0, task.context.deadlineMs - Date.now()),
  };
  let result: unknown;
  try {
    result = await handler(task.event, context);
  } catch (err) {
    // Lambda's Node.js runtime reports the error's name as its type; a thrown non-Error is typed by its typeof.
    const type = err instanceof Error ? err.name || 'Error' : typeof err;
    return errorResult(type, err);
  }
  try {
    return { ok: true, payload: JSON.stringify(result) ?? 'null' };
  } catch (err) {
    return errorResult('Runtime.MarshalError', err);
  }
}
