// The container setup, checked statically (fast, no engine needed): the compose file against
// the compose specification's JSON schema and this project's rules (only the router and client
// published, health-gated start order, restart policies, named volumes and read-only bind mounts,
// one internal network, no default secrets), the Dockerfile's paths, stages and build steps
// against the tree, the stand-ins for the public base images, and the commands the images run
// that can run here. `npm run test:containers` builds and starts all of it for real. Each check
// also runs on a deliberately broken input ("the checks catch …"), so none passes vacuously.
import { spawn } from 'node:child_process';
import { KeyObject } from 'node:crypto';
import { createRequire } from 'node:module';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, join, posix, relative } from 'node:path';
import { loadSigningKey } from '../packages/platform/src/auth';
import { createLambdaInvoker, LambdaFunctionError } from '../packages/platform/src/lambda';
import { freePort } from '../packages/platform/src/deployment/processes';
import { STAND_INS_BY_IMAGE } from '../scripts/containers/base-images';
import { readServiceList } from '../packages/platform/src/service-list';
import { SERVICES as STACK } from '../packages/platform/src/deployment/services';

import {
  NODE_SERVICES,
  LAMBDAS,
  PUBLISHED,
  SECRETS,
  type ComposeService,
  type ComposeFile,
  type Json,
  allReferences,
  parseCompose,
  interpolateCompose,
  composeValidator,
  buildOf,
  stageIn,
  stageOf,
  imageEnv,
  serviceEnv,
  isLambda,
  mountOf,
  checkCompose,
  checkSecrets,
  generatedSecrets,
} from './containers/compose';
import {
  ROOT,
  read,
  args,
  copies,
  repoContext,
  checkDockerfile,
  sharedBuildProblems,
  publicImages,
} from './containers/dockerfile';

const COMPOSE_FILE = 'docker-compose.yml';
const DOCKERFILE = 'Dockerfile';

let secrets: Record<string, string>;
let raw: Json;
let compose: ComposeFile;

beforeAll(async () => {
  secrets = await generatedSecrets();
  raw = parseCompose(read(COMPOSE_FILE));
  compose = interpolateCompose(raw, secrets);
});

// ---------------------------------------------------------------------------------------------

describe('docker-compose.yml', () => {
  it('is valid against the compose specification schema', () => {
    expect(composeValidator()(compose)).toEqual([]);
  });

  it('runs every service, the lambdas, PostgreSQL and Kafka (KRaft)', () => {
    expect(Object.keys(compose.services).sort()).toEqual(
      [...NODE_SERVICES.map((s) => s.service), 'client', ...LAMBDAS, 'postgres', 'kafka'].sort(),
    );
    expect(compose.services.postgres?.image).toMatch(/^postgres:1[56]([-.]|$)/);
    expect(compose.services.kafka?.image).toMatch(/^apache\/kafka:3\.9\.\d+$/);
    const kafka = serviceEnv(compose.services.kafka!);
    expect(kafka.KAFKA_PROCESS_ROLES).toBe('broker,controller');
    // A cluster id is 16 bytes, base64url: anything else stops the broker's storage format.
    expect(Buffer.from(kafka.CLUSTER_ID ?? '', 'base64url')).toHaveLength(16);
    for (const name of LAMBDAS) expect(isLambda(compose.services[name]!)).toBe(true);
    // Every image is a target of the one Dockerfile, named after its service.
    for (const service of [...NODE_SERVICES.map((s) => s.service), 'client', ...LAMBDAS])
      expect(buildOf(compose.services[service]!)).toEqual({
        dockerfile: DOCKERFILE,
        target: service,
      });
  });

  it('publishes only the router and the client, health-gates every dependency, uses named volumes and the internal network', () => {
    expect(checkCompose(compose)).toEqual([]);
    for (const name of PUBLISHED) {
      expect(compose.services[name]?.ports?.length).toBeGreaterThan(0);
      // The published port is the one the service listens on.
      const listens =
        name === 'client'
          ? serviceEnv(compose.services.client!).CLIENT_PORT
          : serviceEnv(compose.services[name]!).PORT;
      for (const p of compose.services[name]!.ports!)
        expect(String(p).split(':').at(-1)).toBe(listens);
    }
  });

  it('takes its secrets from the environment only, and fails to start without them', () => {
    expect(checkSecrets(raw)).toEqual([]);
    const required = [
      ...new Set(
        allReferences(raw)
          .filter((r) => r.op === ':?')
          .map((r) => r.name),
      ),
    ];
    expect(required.sort()).toEqual([...SECRETS].sort());
    for (const name of SECRETS) {
      const partial = { ...secrets };
      delete partial[name];
      expect(() => interpolateCompose(raw, partial)).toThrow(`required variable ${name}`);
    }
  });

  it('wires each service to the hosts and ports of the others', () => {
    const env = (name: string) => serviceEnv(compose.services[name]!);
    const port = (name: string) => env(name).PORT;
    const databases = [...read('deploy/postgres-init.sql').matchAll(/CREATE DATABASE (\w+)/g)].map(
      (m) => m[1],
    );
    for (const { service } of NODE_SERVICES) {
      const e = env(service);
      expect(e.NODE_ENV).toBe('production');
      expect(e.HOST).toBe('0.0.0.0');
      if (e.DATABASE_URL) {
        const url = new URL(e.DATABASE_URL);
        expect(compose.services[url.hostname]?.image).toMatch(/^postgres:/);
        expect(url.password).toBe(secrets.POSTGRES_PASSWORD);
        expect(databases).toContain(url.pathname.slice(1));
      }
      if (e.JWKS_URL) {
        const url = new URL(e.JWKS_URL);
        expect([url.hostname, url.port, url.pathname]).toEqual([
          'users',
          port('users'),
          '/.well-known/jwks.json',
        ]);
      }
      if (e.KAFKA_BROKERS)
        for (const broker of e.KAFKA_BROKERS.split(','))
          expect(env('kafka').KAFKA_ADVERTISED_LISTENERS).toContain(`://${broker}`);
    }
    // Every subgraph's own database is made by the init script, since the services do not.
    expect(databases.sort()).toEqual(['ko_chat', 'ko_events', 'ko_tickets', 'ko_users']);
    for (const v of ['LAMBDA_RENDER_TICKETS_ENDPOINT', 'LAMBDA_SALES_REPORT_ENDPOINT'])
      expect(LAMBDAS).toContain(new URL(env('tickets')[v] ?? 'x:').hostname);
    expect(new URL(env('client').GRAPHQL_URL ?? '').port).toBe(port('router'));
  });

  it('gives the router, tickets, chat and subscriptions a service list of container hostnames', () => {
    const mounts = (s: ComposeService) => (s.volumes ?? []).map(mountOf);
    const listFile = mounts(compose.services.router!).find((m) =>
      m.target.endsWith('/supergraph.compose.yaml'),
    )?.source;
    expect(listFile).toBe('./deploy/supergraph.compose.yaml');
    const list = readServiceList(join(ROOT, listFile!));
    const local = readServiceList(join(ROOT, 'supergraph.yaml'));
    // The same subgraphs and schema files as the service list `npm start` uses.
    expect(list.subgraphs.map((s) => [s.name, s.schemaFile])).toEqual(
      local.subgraphs.map((s) => [s.name, s.schemaFile]),
    );
    for (const url of [...list.subgraphs.flatMap((s) => s.instances), ...list.subscriptions]) {
      const u = new URL(url);
      expect(serviceEnv(compose.services[u.hostname] ?? {}).PORT).toBe(u.port);
    }
    for (const [name, s] of Object.entries(compose.services)) {
      const path = serviceEnv(s).SERVICE_LIST;
      if (!path) continue;
      const mounted = mounts(s).find((m) => m.target === path);
      expect([name, mounted?.source, mounted?.readOnly]).toEqual([name, listFile, true]);
    }
    // The router composes from the schema files the list names, relative to where it is mounted.
    const target = serviceEnv(compose.services.router!).SERVICE_LIST!;
    const inImage = copies(stageOf(compose.services.router!)!);
    const missing = list.subgraphs
      .map((s) => {
        const repoPath = relative(ROOT, s.schemaFile).split('\\').join('/');
        const fromList = relative(dirname(join(ROOT, listFile!)), s.schemaFile)
          .split('\\')
          .join('/');
        return { repoPath, containerPath: posix.join(posix.dirname(target), fromList) };
      })
      .filter(
        ({ repoPath, containerPath }) =>
          !inImage.some(
            (c) =>
              c.from === undefined &&
              c.sources.includes(repoPath) &&
              c.targets.includes(containerPath),
          ),
      )
      .map(({ repoPath, containerPath }) => `${repoPath} is not copied to ${containerPath}`);
    expect(missing).toEqual([]);
  });
});

describe('Dockerfiles', () => {
  const context = repoContext();

  it('Dockerfile: several stages, paths inside the context, every image non-root with a healthcheck', () => {
    expect(checkDockerfile(DOCKERFILE, read(DOCKERFILE), context)).toEqual([]);
  });

  it.each(NODE_SERVICES)(
    '$dir: the runtime image runs $dir/dist/main.js on port $port with what it reads',
    ({ service, dir, port }) => {
      const stage = stageIn(DOCKERFILE, service)!;
      expect(imageEnv(stage).PORT).toBe(String(port));
      const cmd = stage.instructions.filter((i) => i.getKeyword() === 'CMD').at(-1);
      expect(cmd && args(cmd).join(' ')).toContain(`"${dir}/dist/main.js"`);
      expect(existsSync(join(ROOT, dir, 'src', 'main.ts'))).toBe(true);
      // A service that reads its schema file at start needs it in the image, next to dist/.
      const readsSchema = ['server.ts', 'live.ts'].some(
        (f) =>
          existsSync(join(ROOT, dir, 'src', f)) &&
          read(`${dir}/src/${f}`).includes("'src', 'schema.graphql'"),
      );
      if (readsSchema)
        expect(
          copies(stage).some((c) =>
            c.targets.includes(posix.join('/repo', dir, 'src', 'schema.graphql')),
          ),
        ).toBe(true);
      // Node flags and environment the start and test harness gives this service, the image too.
      const entry = Object.values(STACK).find((s) => s.dir === dir);
      const nodeArgs: readonly string[] = entry && 'nodeArgs' in entry ? entry.nodeArgs : [];
      const env: Record<string, string> = entry && 'env' in entry ? entry.env : {};
      for (const flag of nodeArgs) expect(cmd && args(cmd).join(' ')).toContain(`"${flag}"`);
      for (const [name, value] of Object.entries(env))
        expect([name, imageEnv(stage)[name]]).toEqual([name, value]);
    },
  );

  it('every image starts from one install and one build, and the Node.js images share one dependency layer', () => {
    expect(sharedBuildProblems(read(DOCKERFILE))).toEqual([]);
  });

  it('.dockerignore keeps host builds, dependencies and secrets out of the context', () => {
    for (const path of [
      'node_modules',
      'subgraphs/users/node_modules',
      'supergraph/dist',
      'packages/platform/tsconfig.tsbuildinfo',
      '.env',
      '.git',
      '.data',
      'client/src/gql',
    ])
      expect([path, context.ignored(path)]).toEqual([path, true]);
  });

  it('argon2 loads its prebuilt binary, so installing without scripts is enough', () => {
    const argon2 = dirname(require.resolve('argon2/package.json'));
    // argon2.cjs finds its binary with node-gyp-build; ask it the same way.
    const gypBuild = createRequire(join(argon2, 'argon2.cjs'))('node-gyp-build') as {
      path(dir: string): string;
    };
    expect(relative(argon2, gypBuild.path(argon2)).split('\\').join('/')).toMatch(/^prebuilds\//);
    // The runtime images are Debian (glibc), on amd64 or arm64 hosts.
    for (const platform of ['linux-x64', 'linux-arm64'])
      expect(readdirSync(join(argon2, 'prebuilds', platform))).toContainEqual(
        expect.stringMatching(/glibc\.node$/),
      );
  });
});

describe('what the images run, run here', () => {
  /** The HEALTHCHECK command of a Dockerfile, run by sh as Docker would, against a stub /health. */
  async function healthcheckExit(target: string, status: number): Promise<number> {
    const health = stageIn(DOCKERFILE, target)!.instructions.find(
      (i) => i.getKeyword() === 'HEALTHCHECK',
    )!;
    const command = (health.getArgumentsContent() ?? '').replace(/^CMD\s+/, '');
    const server = createServer((req, res) =>
      res.writeHead(req.url === '/health' ? status : 404).end(),
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
    for (const name of ['JWT_PRIVATE_JWK', 'TICKET_SIGNING_PRIVATE_JWK']) {
      const key = await loadSigningKey({
        privateJwk: secrets[name],
        file: '/nonexistent/never-read.json',
      });
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

describe('the checks catch', () => {
  const context = repoContext();
  const broken = (edit: (doc: ComposeFile) => void): ComposeFile => {
    const doc = structuredClone(compose);
    edit(doc);
    return doc;
  };
  const compose2 = (edit: (doc: ComposeFile) => void) => checkCompose(broken(edit));

  it('a compose file the schema rejects', () => {
    expect(
      composeValidator()(
        broken(
          (d) =>
            (d.services.users!.healthcheck = {
              test: ['CMD', 'true'],
              intervall: '5s',
            } as ComposeService['healthcheck']),
        ),
      ),
    ).toContainEqual(expect.stringContaining('must NOT have additional properties'));
    expect(
      composeValidator()(broken((d) => (d.services.router!.ports = ['4000:4000:4000']))),
    ).toContainEqual(expect.stringContaining('must match format "ports"'));
  });

  it('a published port on another service', () => {
    expect(compose2((d) => (d.services.users!.ports = ['4001:4001']))).toContain(
      'users publishes ports (only router and client may)',
    );
  });

  it('a dependency without a health condition, or on a service with no healthcheck', () => {
    expect(
      compose2(
        (d) => (d.services.users!.depends_on = { postgres: { condition: 'service_started' } }),
      ),
    ).toContain('users depends on postgres with service_started, not service_healthy');
    expect(compose2((d) => (d.services.users!.depends_on = ['postgres']))).toContainEqual(
      expect.stringContaining('users: depends_on without conditions'),
    );
    const problems = compose2((d) => delete d.services.postgres!.healthcheck);
    expect(problems).toContain('postgres has no healthcheck');
    expect(problems).toContain(
      'users waits for postgres to be healthy, but postgres has no healthcheck',
    );
  });

  it('a service image without a HEALTHCHECK', () => {
    const text = read(DOCKERFILE).replace(
      /(FROM \S+ AS events\n(?:(?!FROM ).*\n)*?)HEALTHCHECK .*\n/,
      '$1',
    );
    expect(checkDockerfile('d', text, context)).toEqual([
      'd (events): the runtime stage has no HEALTHCHECK',
    ]);
  });

  it('a writable bind mount, a bind mount of something missing, an undeclared volume', () => {
    expect(
      compose2((d) => (d.services.postgres!.volumes = ['./.data/pg:/var/lib/postgresql/data'])),
    ).toContainEqual(expect.stringContaining('writable; a bind mount must be :ro'));
    expect(
      compose2((d) => (d.services.router!.volumes = ['./deploy/missing.yaml:/repo/x.yaml:ro'])),
    ).toContain('router mounts ./deploy/missing.yaml, not an existing file under ./deploy/');
    expect(compose2((d) => delete d.volumes!['kafka-data'])).toContainEqual(
      expect.stringContaining('kafka mounts kafka-data:'),
    );
  });

  it('a service without a restart policy, a missing target, top-level configs', () => {
    expect(compose2((d) => delete d.services.chat!.restart)).toContain(
      'chat has no restart policy',
    );
    expect(compose2((d) => (d.services.events!.restart = 'no'))).toContain(
      'events has no restart policy',
    );
    expect(
      compose2(
        (d) => (d.services.users!.build = { context: '.', dockerfile: DOCKERFILE, target: 'user' }),
      ),
    ).toContain('users: target user is not a stage of Dockerfile');
    expect(
      compose2((d) => (d.configs = { list: { file: './deploy/supergraph.compose.yaml' } })),
    ).toContainEqual(expect.stringContaining('docker-compose 1.29 ignores them'));
  });

  it('a service off the internal network, an internal network with a way out, ports that cannot publish', () => {
    expect(compose2((d) => (d.services.chat!.networks = ['edge']))).toContain(
      'chat is not on the internal network',
    );
    expect(compose2((d) => (d.networks!.internal = {}))).toContain(
      'the internal network is not `internal: true`',
    );
    expect(compose2((d) => (d.services.router!.networks = ['internal']))).toContain(
      'router publishes ports but is only on internal networks, which publish none',
    );
  });

  it('a defaulted or written-in secret', () => {
    const text = read(COMPOSE_FILE);
    expect(
      checkSecrets(parseCompose(text.replace('${JWT_PRIVATE_JWK:?', '${JWT_PRIVATE_JWK:-'))),
    ).toContainEqual(expect.stringContaining('JWT_PRIVATE_JWK must be required'));
    expect(
      checkSecrets(
        parseCompose(
          text.replace(
            /postgres:\$\{POSTGRES_PASSWORD:\?[^}]*\}@postgres:5432\/ko_users/,
            'postgres:hunter2@postgres:5432/ko_users',
          ),
        ),
      ),
    ).toContain('services.users.environment.DATABASE_URL: a password written into a URL');
  });

  it('COPY of a missing or ignored path, a single stage, root at run time, an unknown stage', () => {
    const text = read(DOCKERFILE);
    expect(
      checkDockerfile(
        'd',
        text.replace('COPY lambdas lambdas\n', 'COPY lambda lambdas\n'),
        context,
      ),
    ).toContain('d: COPY lambda does not exist');
    expect(
      checkDockerfile(
        'd',
        text.replace(
          'COPY lambdas lambdas\n',
          'COPY lambdas lambdas\nCOPY node_modules node_modules\n',
        ),
        repoContext('node_modules\n'),
      ),
    ).toContain('d: COPY node_modules is excluded by .dockerignore');
    expect(
      checkDockerfile(
        'd',
        'FROM node:24-bookworm-slim\nUSER node\nHEALTHCHECK CMD true\n',
        context,
      ),
    ).toContain('d: one stage; build and runtime should be separate');
    const router = /(FROM \S+ AS router\n(?:(?!FROM ).*\n)*?)USER node\n/;
    expect(checkDockerfile('d', text.replace(router, '$1USER root\n'), context)).toContain(
      'd (router): the runtime stage runs as root (needs a USER other than root)',
    );
    expect(checkDockerfile('d', text.replace(router, '$1'), context)).toContain(
      'd (router): the runtime stage runs as root (needs a USER other than root)',
    );
    expect(
      checkDockerfile(
        'd',
        text.replace('--from=build /repo/subgraphs/chat', '--from=builder /repo/subgraphs/chat'),
        context,
      ),
    ).toContain('d: COPY --from=builder names no earlier stage');
  });

  it('a build that misses a project it compiles, or a workspace it installs', () => {
    const text = read(DOCKERFILE);
    expect(
      checkDockerfile('d', text.replace('COPY packages/platform packages/platform\n', ''), context),
    ).toContain('d: tsc -b needs packages/platform/src copied first');
    expect(
      checkDockerfile(
        'd',
        text.replace('COPY subgraphs/chat/package.json subgraphs/chat/\n', ''),
        context,
      ),
    ).toContain('d: npm ci before subgraphs/chat/package.json is copied');
    expect(
      checkDockerfile(
        'd',
        text.replace('npm ci --ignore-scripts --no-audit', 'npm ci --no-audit'),
        context,
      ),
    ).toContainEqual(expect.stringContaining('without --ignore-scripts'));
    // Copied only after the step that needs it.
    const late = text
      .replace('COPY subgraphs subgraphs\n', '')
      .replace(
        ' && node lambdas/bundle.mjs sales-report\n',
        ' && node lambdas/bundle.mjs sales-report\nCOPY subgraphs subgraphs\n',
      );
    expect(checkDockerfile('d', late, context)).toContain(
      'd: tsc -b needs subgraphs/users/src copied first',
    );
  });

  it('an image that installs or compiles on its own, or leaves the shared dependency layer', () => {
    const text = read(DOCKERFILE);
    expect(
      sharedBuildProblems(
        text.replace(
          'FROM node:24-bookworm-slim AS chat\nWORKDIR /repo\n',
          'FROM node:24-bookworm-slim AS chat\nWORKDIR /repo\nRUN npm ci --ignore-scripts && npx tsc -b\n',
        ),
      ),
    ).toEqual([
      '2 npm ci steps (one install for every image)',
      '2 tsc -b steps (one build for every image)',
      'chat does not start with COPY --from=runtime-deps /repo (the shared layer)',
    ]);
    expect(
      sharedBuildProblems(
        text.replace(
          'COPY --from=runtime-deps /repo ./\nENV NODE_ENV=production HOST=0.0.0.0 PORT=4004\n',
          'ENV NODE_ENV=production HOST=0.0.0.0 PORT=4004\nCOPY --from=runtime-deps /repo ./\n',
        ),
      ),
    ).toEqual(['chat does not start with COPY --from=runtime-deps /repo (the shared layer)']);
    expect(
      sharedBuildProblems(
        text.replace(
          'COPY --from=build /repo/subgraphs/chat/dist subgraphs/chat/dist\n',
          'COPY subgraphs/chat/src subgraphs/chat/src\n',
        ),
      ),
    ).toEqual(["chat copies sources into the image instead of the build's output"]);
  });
});
