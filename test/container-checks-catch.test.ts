// Each static container check (containers.test.ts) run on a deliberately broken input, so none
// passes vacuously: a compose file, Dockerfile or build that breaks one rule must be caught.
import {
  PUBLISHED,
  type ComposeService,
  type ComposeFile,
  parseCompose,
  composeValidator,
  checkCompose,
  checkSecrets,
  composeUnderTest,
} from './containers/compose';
import { read, repoContext, checkDockerfile, sharedBuildProblems } from './containers/dockerfile';

const COMPOSE_FILE = 'docker-compose.yml';
const DOCKERFILE = 'Dockerfile';

let compose: ComposeFile;

beforeAll(async () => {
  ({ compose } = await composeUnderTest());
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
      `users publishes ports (only ${PUBLISHED.join(' and ')} may)`,
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
