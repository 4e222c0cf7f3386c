import path from 'node:path';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
// The invoker as services use it. (Relative path until platform's index re-exports './lambda'.)
import {
  LambdaFunctionError,
  LambdaPayloadTooLargeError,
  createLambdaInvoker,
  type LambdaInvoker,
} from '../../../packages/platform/src/lambda';
import {
  salesReport,
  type SalesReport,
  type SalesReportInput,
} from '../../sales-report/src/handler';
import type { RenderTicketsInput, RenderTicketsOutput } from '../../render-tickets/src/handler';
import { startLambdaRunner, type LambdaRunner } from '../src/server';

const fixture = (name: string) => path.join(__dirname, 'fixtures', `${name}.ts`);

const report: SalesReportInput = {
  eventId: 'evt_1',
  tiers: [{ tierId: 'ga', name: 'GA', priceCents: 2500, capacity: 100 }],
  sales: [{ tierId: 'ga', quantity: 3, totalCents: 7500, soldAt: '2026-03-01T09:15:00Z' }],
};

const order = (n: number): RenderTicketsInput => ({
  orderId: `ord_${n}`,
  tickets: Array.from({ length: 4 }, (_, i) => ({
    code: `KO1.ord_${n}.${i}.signature`,
    eventTitle: 'Midnight Jazz',
    venue: 'The Lighthouse',
    city: 'Hermosa Beach',
    startsAt: '2026-07-01T19:30:00Z',
    tierName: 'Floor',
    priceCents: 4250,
    holderName: `Holder ${i}`,
  })),
});

async function rejection(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected a rejection');
}

describe('lambda runner through @aws-sdk/client-lambda', () => {
  let runner: LambdaRunner;
  let lambda: LambdaInvoker;

  beforeAll(async () => {
    runner = await startLambdaRunner({
      port: 0,
      maxThreads: 2,
      timeoutMs: 6_000, // generous: renders compile from source in worker threads, slowly on a loaded machine
      handlers: {
        fail: fixture('fail'),
        sleep: fixture('sleep'),
        big: fixture('big'),
        exit: fixture('exit'),
      },
    });
    lambda = createLambdaInvoker({
      endpoint: runner.url,
      timeoutMs: 20_000,
      functionNames: {
        'render-tickets': 'render-tickets',
        'sales-report': 'sales-report',
        fail: 'fail',
        sleep: 'sleep',
        big: 'big',
        exit: 'exit',
        ghost: 'no-such-function',
      },
    });
  });

  afterAll(async () => {
    lambda?.close();
    await runner?.close();
  });

  it('returns the handler result', async () => {
    const result = await lambda.invoke<SalesReportInput, SalesReport>('sales-report', report);
    expect(result).toEqual(salesReport(report));
  });

  it('renders a PDF in a worker thread', async () => {
    const out = await lambda.invoke<RenderTicketsInput, RenderTicketsOutput>(
      'render-tickets',
      order(1),
    );
    expect(out.pages).toBe(4);
    expect(Buffer.from(out.pdfBase64, 'base64').subarray(0, 5).toString()).toBe('%PDF-');
  });

  it('turns a handler error into LambdaFunctionError with its type and message', async () => {
    const err = await rejection(lambda.invoke('sales-report', { eventId: 'e', tiers: [] }));
    expect(err).toBeInstanceOf(LambdaFunctionError);
    expect(err).toMatchObject({
      functionName: 'sales-report',
      errorType: 'InvalidInputError',
      errorMessage: 'Invalid sales-report input: sales: Required',
      functionError: 'Unhandled',
    });

    const custom = await rejection(lambda.invoke('fail', { message: 'no tickets left' }));
    expect(custom).toMatchObject({
      name: 'LambdaFunctionError',
      errorType: 'KaboomError',
      errorMessage: 'no tickets left',
    });
  });

  it('answers a failed invocation exactly as Lambda does', async () => {
    const res = await fetch(`${runner.url}/2015-03-31/functions/fail/invocations`, {
      method: 'POST',
      body: JSON.stringify({ message: 'raw' }),
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('x-amz-function-error')).toBe('Unhandled');
    expect(res.headers.get('x-amzn-requestid')).toMatch(/^[0-9a-f-]{36}$/);
    const body = (await res.json()) as { errorType: string; errorMessage: string; trace: string[] };
    expect(body.errorType).toBe('KaboomError');
    expect(body.errorMessage).toBe('raw');
    expect(body.trace[0]).toBe('KaboomError: raw');
  });

  it('reports an unknown function as ResourceNotFoundException', async () => {
    const err = await rejection(lambda.invoke('ghost', {}));
    expect(err.name).toBe('ResourceNotFoundException');
    expect(err.message).toBe(
      'Function not found: arn:aws:lambda:us-east-1:000000000000:function:no-such-function',
    );
    expect(
      (err as unknown as { $metadata: { httpStatusCode: number } }).$metadata.httpStatusCode,
    ).toBe(404);

    const res = await fetch(`${runner.url}/2015-03-31/functions/no-such-function/invocations`, {
      method: 'POST',
      body: '{}',
    });
    expect(res.status).toBe(404);
    expect(res.headers.get('x-amzn-errortype')).toBe('ResourceNotFoundException');
    expect(await res.json()).toEqual({
      Type: 'User',
      message:
        'Function not found: arn:aws:lambda:us-east-1:000000000000:function:no-such-function',
    });
  });

  it('accepts a function ARN as the name', async () => {
    const client = new LambdaClient({
      endpoint: runner.url,
      region: 'eu-west-1',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    });
    const out = await client.send(
      new InvokeCommand({
        FunctionName: 'arn:aws:lambda:eu-west-1:123456789012:function:sales-report',
        Payload: Buffer.from(JSON.stringify(report)),
      }),
    );
    expect(out.StatusCode).toBe(200);
    expect(out.ExecutedVersion).toBe('$LATEST');
    expect(JSON.parse(Buffer.from(out.Payload!).toString())).toEqual(salesReport(report));
    client.destroy();
  });

  it('times an invocation out like Lambda, and the pool recovers', async () => {
    const err = await rejection(lambda.invoke('sleep', { ms: 30_000 }));
    expect(err).toMatchObject({ errorType: 'Sandbox.Timedout' });
    expect((err as LambdaFunctionError).errorMessage).toMatch(
      /^RequestId: [0-9a-f-]{36} Error: Task timed out after 6\.00 seconds$/,
    );
    // The stuck thread was replaced: the next invocations run.
    await expect(lambda.invoke('sleep', { ms: 10 })).resolves.toMatchObject({ slept: 10 });
    await expect(lambda.invoke('sales-report', report)).resolves.toMatchObject({ ticketsSold: 3 });
  });

  it('reports a runtime that died as Runtime.ExitError, and the pool recovers', async () => {
    const err = await rejection(lambda.invoke('exit', {}));
    expect(err).toMatchObject({ errorType: 'Runtime.ExitError' });
    await expect(lambda.invoke('sales-report', report)).resolves.toMatchObject({ ticketsSold: 3 });
  });

  it('refuses a response over 6 MB as Function.ResponseSizeTooLarge', async () => {
    const err = await rejection(lambda.invoke('big', { bytes: 6_300_000 }));
    expect(err).toMatchObject({
      errorType: 'Function.ResponseSizeTooLarge',
      errorMessage:
        'Response payload size (6300002 bytes) exceeded maximum allowed payload size (6291556 bytes).',
    });
  });

  it('refuses a request over 6 MB: the invoker before sending, the runner with 413', async () => {
    const huge = { blob: 'x'.repeat(6_300_000) };
    const err = await rejection(lambda.invoke('sales-report', huge));
    expect(err).toBeInstanceOf(LambdaPayloadTooLargeError);
    expect(err.message).toMatch(
      /is 6300011 bytes; a synchronous invocation takes at most 6291456 bytes/,
    );

    // The SDK on its own sends it, and gets Lambda's error back.
    const client = new LambdaClient({
      endpoint: runner.url,
      region: 'us-east-1',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
      maxAttempts: 1,
    });
    const sdkErr = await rejection(
      client.send(
        new InvokeCommand({
          FunctionName: 'sales-report',
          Payload: Buffer.from(JSON.stringify(huge)),
        }),
      ),
    );
    expect(sdkErr.name).toBe('RequestEntityTooLargeException');
    expect(sdkErr.message).toBe(
      'Request must be smaller than 6291456 bytes for the InvokeFunction operation',
    );
    client.destroy();
  });

  it('rejects a payload that is not JSON', async () => {
    const res = await fetch(`${runner.url}/2015-03-31/functions/sales-report/invocations`, {
      method: 'POST',
      body: '{nope',
    });
    expect(res.status).toBe(400);
    expect(res.headers.get('x-amzn-errortype')).toBe('InvalidRequestContentException');
  });

  it('supports the Event and DryRun invocation types', async () => {
    const client = new LambdaClient({
      endpoint: runner.url,
      region: 'us-east-1',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    });
    const event = await client.send(
      new InvokeCommand({
        FunctionName: 'sleep',
        InvocationType: 'Event',
        Payload: Buffer.from('{"ms":1}'),
      }),
    );
    expect(event.StatusCode).toBe(202);
    const dry = await client.send(
      new InvokeCommand({ FunctionName: 'sleep', InvocationType: 'DryRun' }),
    );
    expect(dry.StatusCode).toBe(204);
    client.destroy();
  });

  it('renders 8 PDFs at once while its event loop keeps answering', async () => {
    let finished = 0;
    const renders = Array.from(
      { length: 8 },
      (_, i) =>
        lambda
          .invoke<RenderTicketsInput, RenderTicketsOutput>('render-tickets', order(i))
          .finally(() => finished++), // settled either way, so the loop below always ends
    );
    // Ask for health over and over while the renders run; note what each answer saw.
    const answers: Array<{ status: number; running: number; finishedBefore: number }> = [];
    while (finished < 8) {
      const res = await fetch(`${runner.url}/health`);
      const health = (await res.json()) as { running: number };
      answers.push({ status: res.status, running: health.running, finishedBefore: finished });
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    const outs = await Promise.all(renders);

    expect(outs.map((o) => o.pages)).toEqual(Array(8).fill(4));
    expect(answers.every((a) => a.status === 200)).toBe(true);
    // At least one answer came while invocations were in flight: rendering did not block the event loop.
    expect(answers.some((a) => a.running > 0 && a.finishedBefore < 8)).toBe(true);
  });
});

describe('lambda runner lifecycle', () => {
  it('lets running invocations finish when closed', async () => {
    const runner = await startLambdaRunner({
      port: 0,
      maxThreads: 1,
      handlers: { sleep: fixture('sleep') },
    });
    const lambda = createLambdaInvoker({ endpoint: runner.url, functionNames: { sleep: 'sleep' } });
    const running = lambda.invoke('sleep', { ms: 300 });
    // Close only once the invocation is in the runner's hands.
    for (let i = 0; i < 100; i++) {
      const health = (await (await fetch(`${runner.url}/health`)).json()) as { running: number };
      if (health.running > 0) break;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    await runner.close();
    await expect(running).resolves.toMatchObject({ slept: 300 });
    await expect(fetch(`${runner.url}/health`)).rejects.toThrow();
    lambda.close();
  });

  it('serves the built-ins under configured names', async () => {
    const runner = await startLambdaRunner({
      port: 0,
      maxThreads: 1,
      functionNames: { 'sales-report': 'ko-sales-report-dev' },
    });
    try {
      const lambda = createLambdaInvoker({
        endpoint: runner.url,
        functionNames: { 'sales-report': 'ko-sales-report-dev' },
      });
      await expect(lambda.invoke('sales-report', report)).resolves.toMatchObject({
        eventId: 'evt_1',
      });
      const health = (await (await fetch(`${runner.url}/health`)).json()) as {
        functions: string[];
      };
      expect(health.functions).toEqual(['render-tickets', 'ko-sales-report-dev', 'send-mail']);
      lambda.close();
    } finally {
      await runner.close();
    }
  });

  it('refuses to start with a handler module that does not exist', async () => {
    await expect(
      startLambdaRunner({ port: 0, handlers: { nope: fixture('nope') } }),
    ).rejects.toThrow(/Handler module for function "nope" not found/);
  });
});
