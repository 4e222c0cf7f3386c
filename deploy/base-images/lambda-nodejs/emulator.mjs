// The Lambda stand-in's emulator: what AWS's Runtime Interface Emulator does for a container
// image, in short. It serves POST /2015-03-31/functions/function/invocations on port 8080 and
// runs the handler named by its argument (`file.export`, the file in LAMBDA_TASK_ROOT as .js,
// .mjs or .cjs) with the request body as the event, one invocation at a time (one execution
// environment). A result is answered as JSON with 200; a thrown error, or a run longer than
// AWS_LAMBDA_FUNCTION_TIMEOUT seconds (default 300), with 200 and Lambda's error document
// ({errorType, errorMessage, trace}) and, like the real emulator, no X-Amz-Function-Error header.
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { createServer } from 'node:http';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const INVOKE_PATH = '/2015-03-31/functions/function/invocations';
const [handlerName = ''] = process.argv.slice(2);
const dot = handlerName.lastIndexOf('.');
const [file, exportName] = [handlerName.slice(0, dot), handlerName.slice(dot + 1)];
const root = process.env.LAMBDA_TASK_ROOT ?? '/var/task';
const timeoutMs = Number(process.env.AWS_LAMBDA_FUNCTION_TIMEOUT ?? '300') * 1000;
const functionName = process.env.AWS_LAMBDA_FUNCTION_NAME ?? 'test_function';
// 8080 as the real emulator; another port only for this project's tests of the emulator itself.
const port = Number(process.env.LAMBDA_EMULATOR_PORT ?? '8080');

const modulePath = ['.js', '.mjs', '.cjs']
  .map((ext) => join(root, file + ext))
  .find((path) => existsSync(path));
if (dot <= 0 || !modulePath) {
  console.error(`emulator: no handler module for "${handlerName}" in ${root}`);
  process.exit(1);
}
const loaded = await import(pathToFileURL(modulePath).href);
const handler = loaded[exportName] ?? loaded.default?.[exportName];
if (typeof handler !== 'function') {
  console.error(`emulator: ${modulePath} exports no function "${exportName}"`);
  process.exit(1);
}

const errorDocument = (error) => ({
  errorType: error?.name ?? 'Error',
  errorMessage: error?.message ?? String(error),
  trace: typeof error?.stack === 'string' ? error.stack.split('\n') : [],
});

async function invoke(body) {
  const requestId = randomUUID();
  const started = Date.now();
  const context = {
    awsRequestId: requestId,
    functionName,
    functionVersion: '$LATEST',
    memoryLimitInMB: process.env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE ?? '3008',
    getRemainingTimeInMillis: () => Math.max(0, timeoutMs - (Date.now() - started)),
    callbackWaitsForEmptyEventLoop: true,
  };
  let timer;
  const timedOut = new Promise((_, reject) => {
    timer = setTimeout(
      () =>
        reject(
          Object.assign(new Error(`Task timed out after ${timeoutMs / 1000} seconds`), {
            name: 'TimeoutError',
            stack: undefined,
          }),
        ),
      timeoutMs,
    );
  });
  try {
    const event = body.length ? JSON.parse(body) : {};
    const result = await Promise.race([handler(event, context), timedOut]);
    return { requestId, ok: true, payload: result === undefined ? 'null' : JSON.stringify(result) };
  } catch (error) {
    return { requestId, ok: false, payload: JSON.stringify(errorDocument(error)) };
  } finally {
    clearTimeout(timer);
    const ms = Date.now() - started;
    console.log(`END RequestId: ${requestId}\nREPORT RequestId: ${requestId}\tDuration: ${ms} ms`);
  }
}

let queue = Promise.resolve();
const server = createServer((req, res) => {
  if (req.method !== 'POST' || req.url?.split('?')[0] !== INVOKE_PATH) {
    res.writeHead(404, { 'content-type': 'text/plain' }).end('404 page not found\n');
    return;
  }
  const chunks = [];
  req.on('data', (chunk) => chunks.push(chunk));
  req.on('end', () => {
    const body = Buffer.concat(chunks).toString('utf8');
    const run = queue.then(() => invoke(body));
    queue = run.then(() => undefined);
    void run.then(({ requestId, payload }) =>
      res
        .writeHead(200, { 'content-type': 'application/json', 'x-amzn-RequestId': requestId })
        .end(payload),
    );
  });
});
server.listen(port, process.env.LAMBDA_EMULATOR_HOST ?? '0.0.0.0', () =>
  console.log(`emulator: ${handlerName} on :${server.address().port}, POST ${INVOKE_PATH}`),
);
for (const signal of ['SIGTERM', 'SIGINT'])
  process.on(signal, () => server.close(() => process.exit(0)));
