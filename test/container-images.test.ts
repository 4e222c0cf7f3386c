// What the images run, run here without an engine (the secrets generator, the Lambda emulator as
// tickets calls it), and the stand-ins for the public base images (one for each, and no other).
import { spawn } from 'node:child_process';
import { KeyObject } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { loadSigningKey } from '../packages/platform/src/auth';
import { createLambdaInvoker, LambdaFunctionError } from '../packages/platform/src/lambda';
import { freePort } from '../packages/platform/src/deployment/processes';
import { STAND_INS_BY_IMAGE } from '../scripts/containers/base-images';

import {
  NODE_SERVICES,
  SECRETS,
  type ComposeFile,
  stageIn,
  composeUnderTest,
} from './containers/compose';
import { ROOT, read, publicImages } from './containers/dockerfile';

const DOCKERFILE = 'Dockerfile';

let secrets: Record<string, string>;
let compose: ComposeFile;

beforeAll(async () => {
  ({ secrets, compose } = await composeUnderTest());
});

describe('what the images run, run here', () => {
  /** The HEALTHCHECK command of a Dockerfile, run by sh as Docker would, against a stub /health. */
  async function healthcheckExit(target: string, status: number): Promise<number> {
    const health = stageIn(DOCKERFILE, target)!.instructions.find(
      (i) => i.getKeyword() === 'HEALTHCHECK',
    )!;
    const command = (health.getArgumentsContent() ?? '').replace(/^CMD\s+/, '');
    const server = createServer((req, res) =>
      // MailDev's own health path is /api/healthz.
      res.writeHead(req.url === '/health' || req.url === '/api/healthz' ? status : 404).end(),
    );
    await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
    const port = String((server.address() as AddressInfo).port);
    try {
      return await new Promise<number>((ok, fail) => {
        const child = spawn('sh', ['-c', command], {
          env: { ...process.env, PORT: port, CLIENT_PORT: port },
        });
        child.on('error', fail);
        child.on('close', (code) => ok(code ?? -1));
      });
    } finally {
      server.close();
    }
  }

  it.each([...NODE_SERVICES.map((s) => s.service), 'client'])(
    '%s: the healthcheck passes on a ready service and fails on 503',
    async (target) => {
      expect(await healthcheckExit(target, 200)).toBe(0);
      expect(await healthcheckExit(target, 503)).toBe(1);
    },
  );

  it('deploy/generate-secrets.mjs makes keys the services accept and a password that fits in a URL', async () => {
    expect(Object.keys(secrets).sort()).toEqual([...SECRETS].sort());
    expect(secrets.POSTGRES_PASSWORD).toMatch(/^[0-9a-f]{48}$/);
    // Tokens are signed RS256 (cheap to verify), ticket codes Ed25519 (short enough for a QR code).
    for (const [name, algorithm] of [
      ['JWT_PRIVATE_JWK', 'RS256'],
      ['TICKET_SIGNING_PRIVATE_JWK', 'EdDSA'],
    ] as const) {
      const key = await loadSigningKey({
        privateJwk: secrets[name],
        file: '/nonexistent/never-read.json',
        algorithm,
      });
      expect(key.algorithm).toBe(algorithm);
      // tickets signs with node:crypto, so its key must load as a KeyObject.
      expect(key.privateKey).toBeInstanceOf(KeyObject);
    }
    expect(secrets.JWT_PRIVATE_JWK).not.toBe(secrets.TICKET_SIGNING_PRIVATE_JWK);
  });
});

// ---------------------------------------------------------------------------------------------

describe('the stand-ins for the public base images', () => {
  const standIns = STAND_INS_BY_IMAGE.map((s) => s.image).sort();

  it('there is one for every public image the Dockerfile and the compose file name, and no other', () => {
    expect(publicImages(read(DOCKERFILE), compose)).toEqual(standIns);
    const readme = read('deploy/base-images/README.md');
    for (const { image, dir } of STAND_INS_BY_IMAGE) {
      expect(existsSync(join(ROOT, 'deploy/base-images', dir, 'Dockerfile'))).toBe(true);
      const shortName = image.replace(/^docker\.io\/(library\/)?/, '');
      expect([image, readme.includes(`**${shortName}.**`)]).toEqual([image, true]);
    }
  });

  it('a new public image without a stand-in is caught', () => {
    const text = read(DOCKERFILE).replace(
      'FROM node:24-bookworm-slim AS client\n',
      'FROM nginx:1.27-bookworm AS client\n',
    );
    expect(publicImages(text, compose)).toContain('docker.io/library/nginx:1.27-bookworm');
    expect(publicImages(text, compose)).not.toEqual(standIns);
  });

  describe('the Lambda emulator, called as tickets calls it (the AWS SDK, platform/lambda.ts)', () => {
    let taskRoot: string;
    let emulator: ReturnType<typeof spawn>;
    let url: string;

    beforeAll(async () => {
      taskRoot = mkdtempSync(join(tmpdir(), 'lambda-task-'));
      writeFileSync(
        join(taskRoot, 'index.js'),
        `exports.handler = async (event, context) => {
           if (event.fail) throw new TypeError('the event asked to fail');
           return { echo: event, requestId: context.awsRequestId, left: context.getRemainingTimeInMillis() > 0 };
         };`,
      );
      const port = await freePort();
      url = `http://127.0.0.1:${port}`;
      emulator = spawn(
        process.execPath,
        [join(ROOT, 'deploy/base-images/lambda-nodejs/emulator.mjs'), 'index.handler'],
        {
          env: {
            ...process.env,
            LAMBDA_TASK_ROOT: taskRoot,
            LAMBDA_EMULATOR_PORT: String(port),
            LAMBDA_EMULATOR_HOST: '127.0.0.1',
          },
          stdio: ['ignore', 'pipe', 'inherit'],
        },
      );
      await new Promise<void>((ready, fail) => {
        emulator.stdout!.on('data', (chunk: Buffer) => {
          if (chunk.toString().includes('emulator:')) ready();
        });
        emulator.on('exit', (code) => fail(new Error(`emulator exited (${code})`)));
      });
    });

    afterAll(() => {
      emulator?.kill();
      rmSync(taskRoot, { recursive: true, force: true });
    });

    const invoker = () =>
      createLambdaInvoker({
        endpoints: { render: url },
        functionNames: { render: 'function' },
        timeoutMs: 10_000,
        maxRetries: 0,
      });

    it('answers an invocation with the handler result', async () => {
      const lambda = invoker();
      try {
        const result = await lambda.invoke<
          object,
          { echo: unknown; requestId: string; left: boolean }
        >('render', { order: 7 });
        expect(result.echo).toEqual({ order: 7 });
        expect(result.requestId).toMatch(/^[0-9a-f-]{36}$/);
        expect(result.left).toBe(true);
      } finally {
        lambda.close();
      }
    });

    it('answers a thrown error as the real emulator does: 200, the error document, no header', async () => {
      const response = await fetch(`${url}/2015-03-31/functions/function/invocations`, {
        method: 'POST',
        body: JSON.stringify({ fail: true }),
      });
      expect(response.status).toBe(200);
      expect(response.headers.get('x-amz-function-error')).toBeNull();
      expect(await response.json()).toMatchObject({
        errorType: 'TypeError',
        errorMessage: 'the event asked to fail',
      });
      const lambda = invoker();
      try {
        await expect(lambda.invoke('render', { fail: true })).rejects.toBeInstanceOf(
          LambdaFunctionError,
        );
      } finally {
        lambda.close();
      }
    });

    it('serves only the Invoke API path of the function `function`', async () => {
      for (const path of ['/2015-03-31/functions/other/invocations', '/health'])
        expect((await fetch(`${url}${path}`, { method: 'POST', body: '{}' })).status).toBe(404);
    });
  });
});
