import os from 'node:os';
import path from 'node:path';
import { Piscina } from 'piscina';
import { MAX_SYNC_RESPONSE_BYTES } from './limits';
import { RUNNING_FROM_SOURCE } from './registry';
import type { InvokeResult, InvokeTask } from './worker';

const ACCOUNT = '000000000000';

/** A failed invocation, as the runner itself (not the handler) reports it. */
const failure = (errorType: string, errorMessage: string): InvokeResult => ({
  ok: false,
  errorType,
  errorMessage,
});

/**
 * The worker threads that run handlers, each invocation under its own deadline. A handler that
 * overruns it is cut off by terminating its worker (as Lambda freezes its sandbox).
 */
export class Invocations {
  readonly maxThreads: number;
  private readonly pool: Piscina<InvokeTask, InvokeResult>;
  private readonly running = new Set<Promise<unknown>>();

  constructor(
    private readonly timeoutMs: number,
    private readonly region: string,
    maxThreads?: number,
  ) {
    this.maxThreads = Math.max(1, maxThreads ?? os.availableParallelism());
    this.pool = new Piscina<InvokeTask, InvokeResult>({
      filename: path.join(__dirname, RUNNING_FROM_SOURCE ? 'worker.ts' : 'worker.js'),
      minThreads: Math.min(1, this.maxThreads),
      maxThreads: this.maxThreads,
      idleTimeout: 60_000,
      // From source the threads need tsx's require hook; from dist they inherit the process's flags.
      execArgv: RUNNING_FROM_SOURCE ? ['--require', require.resolve('tsx/cjs')] : undefined,
    });
  }

  arn(functionName: string): string {
    return `arn:aws:lambda:${this.region}:${ACCOUNT}:function:${functionName}`;
  }

  /** Runs one invocation; tracked until it settles, so closing can wait for it. */
  run(
    functionName: string,
    modulePath: string,
    event: unknown,
    requestId: string,
    synchronous: boolean,
  ): Promise<InvokeResult> {
    const outcome = this.runInPool(functionName, modulePath, event, requestId).then((result) =>
      synchronous ? withinResponseLimit(result) : result,
    );
    this.running.add(outcome);
    void outcome.finally(() => this.running.delete(outcome));
    return outcome;
  }

  stats() {
    return {
      threads: this.pool.threads.length,
      maxThreads: this.maxThreads,
      running: this.running.size,
      queued: this.pool.queueSize,
    };
  }

  /** Waits for the running invocations, then stops the workers. */
  async close(): Promise<void> {
    await Promise.allSettled([...this.running]);
    await this.pool.destroy();
  }

  private async runInPool(
    functionName: string,
    modulePath: string,
    event: unknown,
    requestId: string,
  ): Promise<InvokeResult> {
    const abort = new AbortController();
    const timer = setTimeout(() => abort.abort(), this.timeoutMs);
    const task: InvokeTask = {
      modulePath,
      event,
      context: {
        functionName,
        invokedFunctionArn: this.arn(functionName),
        awsRequestId: requestId,
        deadlineMs: Date.now() + this.timeoutMs,
      },
    };
    try {
      return await this.pool.run(task, { signal: abort.signal });
    } catch (err) {
      if (abort.signal.aborted)
        return failure(
          'Sandbox.Timedout',
          `RequestId: ${requestId} Error: Task timed out after ${(this.timeoutMs / 1000).toFixed(2)} seconds`,
        );
      // The worker thread died (process.exit, out of memory, ...): Lambda's runtime exit error.
      return failure(
        'Runtime.ExitError',
        `RequestId: ${requestId} Error: Runtime exited with error: ${err instanceof Error ? err.message : String(err)}`,
      );
    } finally {
      clearTimeout(timer);
    }
  }
}

/** A synchronous caller gets at most Lambda's response quota; past it, Lambda's own error. */
function withinResponseLimit(result: InvokeResult): InvokeResult {
  if (!result.ok) return result;
  const bytes = Buffer.byteLength(result.payload, 'utf8');
  if (bytes <= MAX_SYNC_RESPONSE_BYTES) return result;
  return failure(
    'Function.ResponseSizeTooLarge',
    `Response payload size (${bytes} bytes) exceeded maximum allowed payload size (${MAX_SYNC_RESPONSE_BYTES} bytes).`,
  );
}
