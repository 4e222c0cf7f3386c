import http from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  LAMBDA_MAX_REQUEST_BYTES,
  LambdaFunctionError,
  LambdaPayloadTooLargeError,
  LambdaTimeoutError,
  createLambdaInvoker,
  lambdaInvokerConfigFromEnv,
} from '../src/lambda';

/** A fake Lambda endpoint answering each request with the next scripted reply. */
type Reply = { status: number; headers?: Record<string, string>; body?: string } | 'hang';

async function stubLambda(replies: Reply[]) {
  const requests: Array<{ path: string; body: string }> = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      requests.push({ path: req.url ?? '', body: Buffer.concat(chunks).toString() });
      const reply = replies[Math.min(requests.length - 1, replies.length - 1)]!;
      if (reply === 'hang') return;
      res.writeHead(reply.status, { 'Content-Type': 'application/json', ...reply.headers });
      res.end(reply.body ?? '');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    requests,
    close: () => {
      server.closeAllConnections();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** A fake Lambda endpoint that holds every request until `release()`, counting overlaps. */
async function heldLambda() {
  const held: http.ServerResponse[] = [];
  let most = 0;
  const server = http.createServer((req, res) => {
    req.resume();
    held.push(res);
    most = Math.max(most, held.length);
    // A caller that gave up (its deadline) is no longer in flight.
    res.on('close', () => held.includes(res) && held.splice(held.indexOf(res), 1));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    held,
    most: () => most,
    release() {
      for (const res of held.splice(0)) res.writeHead(200).end('{"ok":true}');
    },
    close: () => {
      server.closeAllConnections();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Resolves once `check` holds (polling, for at most 5 s), so tests wait on events, not time. */
async function until(check: () => boolean): Promise<void> {
  const deadline = Date.now() + 5_000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('the expected state never came');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

const throttled: Reply = {
  status: 429,
  headers: { 'x-amzn-ErrorType': 'TooManyRequestsException' },
  body: JSON.stringify({
    Type: 'User',
    message: 'Rate Exceeded.',
    Reason: 'ReservedFunctionConcurrentInvocationLimitExceeded',
  }),
};
const ok = (value: unknown): Reply => ({ status: 200, body: JSON.stringify(value) });

async function rejection(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected a rejection');
}

describe('createLambdaInvoker', () => {
  it('invokes the mapped function with the payload as JSON and parses the result', async () => {
    const stub = await stubLambda([ok({ pages: 2 })]);
    const lambda = createLambdaInvoker({
      endpoint: stub.url,
      functionNames: { render: 'ko-render-tickets' },
    });
    await expect(lambda.invoke('render', { orderId: 'o1' })).resolves.toEqual({ pages: 2 });
    expect(stub.requests).toEqual([
      { path: '/2015-03-31/functions/ko-render-tickets/invocations', body: '{"orderId":"o1"}' },
    ]);
    lambda.close();
    await stub.close();
  });

  it('throws LambdaFunctionError for a function error, without retrying', async () => {
    const stub = await stubLambda([
      {
        status: 200,
        headers: { 'X-Amz-Function-Error': 'Unhandled' },
        body: JSON.stringify({
          errorType: 'InvalidInputError',
          errorMessage: 'tickets: must not be empty',
          trace: [],
        }),
      },
    ]);
    const lambda = createLambdaInvoker({
      endpoint: stub.url,
      maxRetries: 3,
      functionNames: { render: 'render-tickets' },
    });
    const err = await rejection(lambda.invoke('render', {}));
    expect(err).toBeInstanceOf(LambdaFunctionError);
    expect(err).toMatchObject({
      functionName: 'render-tickets',
      errorType: 'InvalidInputError',
      errorMessage: 'tickets: must not be empty',
      message: 'Lambda render-tickets failed with InvalidInputError: tickets: must not be empty',
    });
    expect(stub.requests).toHaveLength(1);
    lambda.close();
    await stub.close();
  });

  it('retries throttling, then succeeds', async () => {
    const stub = await stubLambda([throttled, ok('done')]);
    const lambda = createLambdaInvoker({ endpoint: stub.url, functionNames: { f: 'f' } });
    await expect(lambda.invoke('f', {})).resolves.toBe('done');
    expect(stub.requests).toHaveLength(2);
    lambda.close();
    await stub.close();
  });

  it('gives up on a server error after maxRetries retries', async () => {
    const stub = await stubLambda([
      {
        status: 500,
        headers: { 'x-amzn-ErrorType': 'ServiceException' },
        body: JSON.stringify({ message: 'internal' }),
      },
    ]);
    const lambda = createLambdaInvoker({
      endpoint: stub.url,
      maxRetries: 1,
      functionNames: { f: 'f' },
    });
    const err = await rejection(lambda.invoke('f', {}));
    expect(err.name).toBe('ServiceException');
    expect(stub.requests).toHaveLength(2);
    lambda.close();
    await stub.close();
  });

  it('does not retry a client error such as an unknown function', async () => {
    const stub = await stubLambda([
      {
        status: 404,
        headers: { 'x-amzn-ErrorType': 'ResourceNotFoundException' },
        body: JSON.stringify({
          Type: 'User',
          message: 'Function not found: arn:aws:lambda:us-east-1:000000000000:function:f',
        }),
      },
    ]);
    const lambda = createLambdaInvoker({ endpoint: stub.url, functionNames: { f: 'f' } });
    const err = await rejection(lambda.invoke('f', {}));
    expect(err.name).toBe('ResourceNotFoundException');
    expect(stub.requests).toHaveLength(1);
    lambda.close();
    await stub.close();
  });

  it('gives up after timeoutMs without retrying', async () => {
    const stub = await stubLambda(['hang']);
    const lambda = createLambdaInvoker({
      endpoint: stub.url,
      timeoutMs: 300,
      functionNames: { f: 'slow-fn' },
    });
    const err = await rejection(lambda.invoke('f', {}));
    expect(err).toBeInstanceOf(LambdaTimeoutError);
    expect(err.message).toBe('Lambda slow-fn did not answer within 300 ms');
    expect(stub.requests).toHaveLength(1);
    lambda.close();
    await stub.close();
  });

  it('refuses a payload over the 6 MB request limit without sending it', async () => {
    const stub = await stubLambda([ok(null)]);
    const lambda = createLambdaInvoker({ endpoint: stub.url, functionNames: { f: 'f' } });
    const err = await rejection(lambda.invoke('f', 'x'.repeat(LAMBDA_MAX_REQUEST_BYTES)));
    expect(err).toBeInstanceOf(LambdaPayloadTooLargeError);
    expect(err).toMatchObject({ functionName: 'f', bytes: LAMBDA_MAX_REQUEST_BYTES + 2 });
    expect(stub.requests).toHaveLength(0);
    lambda.close();
    await stub.close();
  });

  it('refuses a logical name it has no function for', async () => {
    const lambda = createLambdaInvoker({
      endpoint: 'http://127.0.0.1:9',
      functionNames: { a: 'a', b: 'b' },
    });
    await expect(lambda.invoke('c', {})).rejects.toThrow(
      'No Lambda function configured for "c" (known: a, b)',
    );
    lambda.close();
  });

  it('sends each function to its own endpoint when one is set, the rest to the shared one', async () => {
    const render = await stubLambda([ok({ pdf: 'r' })]);
    const shared = await stubLambda([ok({ report: 's' })]);
    const lambda = createLambdaInvoker({
      endpoint: shared.url,
      endpoints: { 'render-tickets': render.url },
      functionNames: { 'render-tickets': 'function', 'sales-report': 'sales-report' },
    });
    await expect(lambda.invoke('render-tickets', {})).resolves.toEqual({ pdf: 'r' });
    await expect(lambda.invoke('sales-report', {})).resolves.toEqual({ report: 's' });
    expect(render.requests.map((r) => r.path)).toEqual([
      '/2015-03-31/functions/function/invocations',
    ]);
    expect(shared.requests.map((r) => r.path)).toEqual([
      '/2015-03-31/functions/sales-report/invocations',
    ]);
    lambda.close();
    await render.close();
    await shared.close();
  });

  it('sends calls to a per-function endpoint one at a time, since an emulator container runs one', async () => {
    const emulator = await heldLambda();
    const lambda = createLambdaInvoker({
      endpoints: { render: emulator.url },
      functionNames: { render: 'function' },
      timeoutMs: 10_000,
    });
    const calls = [1, 2, 3].map(() => lambda.invoke('render', {}));
    for (let answered = 0; answered < 3; answered++) {
      await until(() => emulator.held.length === 1);
      emulator.release();
    }
    await expect(Promise.all(calls)).resolves.toEqual([{ ok: true }, { ok: true }, { ok: true }]);
    expect(emulator.most()).toBe(1);
    lambda.close();
    await emulator.close();
  });

  it("reads an emulator's 200 error document (no X-Amz-Function-Error) as a function error", async () => {
    const failure = { errorType: 'InvalidInputError', errorMessage: 'bad bucket', trace: ['x'] };
    const emulator = await stubLambda([ok(failure), ok(failure)]);
    const viaEmulator = createLambdaInvoker({
      endpoints: { report: emulator.url },
      functionNames: { report: 'function' },
    });
    const err = await rejection(viaEmulator.invoke('report', {}));
    expect(err).toBeInstanceOf(LambdaFunctionError);
    expect(err).toMatchObject({ errorType: 'InvalidInputError', errorMessage: 'bad bucket' });
    // Real Lambda and the runner set the header, so a result of that shape elsewhere is a result.
    const viaRunner = createLambdaInvoker({
      endpoint: emulator.url,
      functionNames: { report: 'r' },
    });
    await expect(viaRunner.invoke('report', {})).resolves.toEqual(failure);
    viaEmulator.close();
    viaRunner.close();
    await emulator.close();
  });

  it('counts the wait for a turn against the deadline, and frees the turn after a timeout', async () => {
    const emulator = await heldLambda();
    const lambda = createLambdaInvoker({
      endpoints: { render: emulator.url },
      functionNames: { render: 'function' },
      timeoutMs: 300,
      maxRetries: 0,
    });
    // The first call hangs: the two queued behind it time out by their own deadline (about
    // 300 ms each), not after three deadlines one after another.
    const started = Date.now();
    const calls = [1, 2, 3].map(() => lambda.invoke('render', {}));
    const results = await Promise.allSettled(calls);
    expect(
      results.map((r) => r.status === 'rejected' && r.reason instanceof LambdaTimeoutError),
    ).toEqual([true, true, true]);
    expect(Date.now() - started).toBeLessThan(800);
    expect(emulator.most()).toBe(1);
    await until(() => emulator.held.length === 0);
    const next = lambda.invoke('render', {});
    await until(() => emulator.held.length === 1);
    emulator.release();
    await expect(next).resolves.toEqual({ ok: true });
    lambda.close();
    await emulator.close();
  });

  it('does not serialize calls to the shared endpoint (the runner runs them in parallel)', async () => {
    const runner = await heldLambda();
    const lambda = createLambdaInvoker({ endpoint: runner.url, functionNames: { render: 'r' } });
    const calls = [1, 2, 3].map(() => lambda.invoke('render', {}));
    await until(() => runner.held.length === 3);
    runner.release();
    await Promise.all(calls);
    expect(runner.most()).toBe(3);
    lambda.close();
    await runner.close();
  });
});

describe('lambdaInvokerConfigFromEnv', () => {
  it('points at the runner when LAMBDA_ENDPOINT is set', () => {
    expect(
      lambdaInvokerConfigFromEnv({
        LAMBDA_ENDPOINT: 'http://lambda-runner:9001',
        LAMBDA_TIMEOUT_MS: '5000',
        LAMBDA_MAX_RETRIES: '0',
      }),
    ).toEqual({
      endpoint: 'http://lambda-runner:9001',
      region: undefined,
      timeoutMs: 5000,
      maxRetries: 0,
      functionNames: {
        'render-tickets': 'render-tickets',
        'sales-report': 'sales-report',
        'send-mail': 'send-mail',
      },
    });
  });

  it('leaves the endpoint unset (real AWS Lambda) otherwise, with deployed names', () => {
    const config = lambdaInvokerConfigFromEnv({
      AWS_REGION: 'eu-west-1',
      LAMBDA_RENDER_TICKETS_FUNCTION: 'ko-prod-render-tickets',
      LAMBDA_SALES_REPORT_FUNCTION:
        'arn:aws:lambda:eu-west-1:123456789012:function:ko-prod-sales-report',
    });
    expect(config.endpoint).toBeUndefined();
    expect(config.region).toBe('eu-west-1');
    expect(config.functionNames['render-tickets']).toBe('ko-prod-render-tickets');
  });

  it('reads per-function endpoints (docker-compose: one emulator container per function)', () => {
    const config = lambdaInvokerConfigFromEnv({
      LAMBDA_RENDER_TICKETS_ENDPOINT: 'http://render-tickets:8080',
      LAMBDA_SALES_REPORT_ENDPOINT: 'http://sales-report:8080',
      LAMBDA_RENDER_TICKETS_FUNCTION: 'function',
    });
    expect(config.endpoint).toBeUndefined();
    expect(config.endpoints).toEqual({
      'render-tickets': 'http://render-tickets:8080',
      'sales-report': 'http://sales-report:8080',
    });
    expect(config.functionNames['render-tickets']).toBe('function');
    expect(lambdaInvokerConfigFromEnv({}).endpoints).toBeUndefined();
  });

  it('rejects a malformed number', () => {
    expect(() => lambdaInvokerConfigFromEnv({ LAMBDA_TIMEOUT_MS: 'soon' })).toThrow(
      'LAMBDA_TIMEOUT_MS must be a non-negative number, got "soon"',
    );
  });
});
