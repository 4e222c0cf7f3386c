// The container setup, checked statically (fast, no engine needed): the compose file against
// the compose specification's JSON schema and this project's rules (only the router and client
// published, health-gated start order, restart policies, named volumes and read-only bind mounts,
// one internal network, no default secrets), the Dockerfile's paths, stages and build steps
// against the tree, the stand-ins for the public base images, and the commands the images run
// that can run here (container-images.test.ts). `npm run test:containers` builds and starts all
// of it for real. Each check also runs on a deliberately broken input
// (container-checks-catch.test.ts), so none passes vacuously.
import { createRequire } from 'node:module';
import { existsSync, readdirSync } from 'node:fs';
import { dirname, join, posix, relative } from 'node:path';
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
  composeUnderTest,
} from './containers/compose';
import {
  ROOT,
  read,
  args,
  copies,
  repoContext,
  checkDockerfile,
  sharedBuildProblems,
} from './containers/dockerfile';

const DOCKERFILE = 'Dockerfile';

let secrets: Record<string, string>;
let raw: Json;
let compose: ComposeFile;

beforeAll(async () => {
  ({ secrets, raw, compose } = await composeUnderTest());
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
    expect(databases.sort()).toEqual(['ko_chat', 'ko_events', 'ko_mail', 'ko_tickets', 'ko_users']);
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

  it('sharp comes as a prebuilt optional package, and the runtime layer keeps optional packages', () => {
    // Loaded the way the events service loads it: from its workspace, with no install script run.
    const fromEvents = createRequire(join(ROOT, 'subgraphs', 'events', 'package.json'));
    const sharp = fromEvents('sharp') as { versions: Record<string, string> };
    expect(sharp.versions.vips).toBeTruthy();
    const prune = read(DOCKERFILE)
      .split('\n')
      .find((line) => /npm prune/.test(line));
    expect(prune).toMatch(/--omit=dev/);
    expect(prune).not.toMatch(/--omit=optional/);
  });
});
