// `npm run test:containers`: the platform in containers, tested as a client would use it.
// Finds a container engine (or sets podman up), makes the public base images available (pulled,
// or local stand-ins where no registry answers), builds every image from the Dockerfile, starts
// docker-compose.yml with fresh secrets on free host ports, waits for every health check, runs
// the client scenario through the published ports, restarts PostgreSQL and a subgraph and checks
// that the data survived, then removes the containers, networks and volumes. Prints each check
// and how long each phase took. Details: README.md, "Containers".
import { execFileSync } from 'node:child_process';
import { accessSync, constants, mkdirSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { createServer } from 'node:net';
import { ensureBaseImages } from './containers/base-images';
import { ComposeProject } from './containers/compose';
import { openEngine, type Engine } from './containers/engine';
import { run, setCommandLog } from './containers/exec';
import { Client, clientScenario, dataSurvived, type World } from './containers/scenario';
import { ROOT } from './infrastructure';

const PROJECT = process.env.CONTAINERS_PROJECT ?? 'ko-containers-test';
const LOG_DIR = join(ROOT, '.data', 'containers');
/** The subgraph restarted (after PostgreSQL) to show its data and its callers survive it. */
const RESTARTED_SUBGRAPH = 'tickets';
const NODE_SERVICES = [
  'users',
  'events',
  'tickets',
  'chat',
  'subscriptions',
  'router',
  'client',
  'mail',
  'maildev',
];

const say = (line: string) => console.log(`[containers] ${line}`);
const phases: Array<{ name: string; ms: number }> = [];
const checks: string[] = [];

async function phase<T>(name: string, work: () => Promise<T>): Promise<T> {
  say(`— ${name}`);
  const started = Date.now();
  try {
    return await work();
  } finally {
    const ms = Date.now() - started;
    phases.push({ name, ms });
    say(`  ${name}: ${seconds(ms)}`);
  }
}

async function check(name: string, step: () => Promise<string | void>): Promise<void> {
  const started = Date.now();
  const detail = await step();
  const line = `✓ ${name}${detail ? ` (${detail})` : ''} [${seconds(Date.now() - started)}]`;
  checks.push(line);
  say(`  ${line}`);
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

/**
 * A free port of 127.0.0.1 to publish on, from 34000-34999: clear of the services' defaults
 * (4000-4005, 5173), of the test stacks' ports (20000-31999) and of the host's own servers.
 */
async function hostPort(taken: number[] = []): Promise<number> {
  const start = 34_000 + Math.floor(Math.random() * 1000);
  for (let i = 0; i < 1000; i++) {
    const port = 34_000 + ((start - 34_000 + i) % 1000);
    if (taken.includes(port)) continue;
    const free = await new Promise<boolean>((resolve) => {
      const server = createServer();
      server.once('error', () => resolve(false));
      server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
    });
    if (free) return port;
  }
  throw new Error('no free port in 34000-34999 (set ROUTER_HOST_PORT and CLIENT_HOST_PORT)');
}

/** Where downloads and the Debian root file system are kept between runs (outside the clone). */
function cacheDir(): string {
  const wanted = process.env.CONTAINERS_CACHE_DIR ?? '/var/cache/ko-ticket-master';
  try {
    mkdirSync(wanted, { recursive: true });
    accessSync(wanted, constants.W_OK);
    return wanted;
  } catch {
    const fallback = join(homedir(), '.cache', 'ko-ticket-master');
    mkdirSync(fallback, { recursive: true });
    return fallback;
  }
}

/** Fresh secrets, as a user makes them: `node deploy/generate-secrets.mjs --stdout`. */
function generatedSecrets(): Record<string, string> {
  const text = execFileSync(
    process.execPath,
    [join(ROOT, 'deploy', 'generate-secrets.mjs'), '--stdout'],
    {
      encoding: 'utf8',
    },
  );
  const env: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const m = /^([A-Z_]+)=(.*)$/.exec(line);
    if (m) env[m[1]!] = m[2]!.replace(/^'(.*)'$/, '$1');
  }
  return env;
}

async function main(): Promise<number> {
  mkdirSync(LOG_DIR, { recursive: true });
  const commandLog = join(LOG_DIR, 'commands.log');
  writeFileSync(commandLog, '');
  setCommandLog(commandLog);
  const started = Date.now();
  say(`Every command's output: ${commandLog}`);

  const engine = await phase('engine', () => openEngine(LOG_DIR, say));
  say(`  ${engine.description}`);
  let project: ComposeProject | undefined;
  let stopTicker = () => undefined as void;
  let failed: unknown;
  const stopping = (signal: NodeJS.Signals) => {
    say(`${signal}: tearing down`);
    void teardown(project, engine, stopTicker).finally(() => process.exit(130));
  };
  process.once('SIGINT', stopping);
  process.once('SIGTERM', stopping);

  try {
    const bases = await phase('base images', () => ensureBaseImages(engine, cacheDir(), say));
    for (const b of bases) checks.push(`✓ ${b.image}: ${b.source}`);

    const routerPort = Number(process.env.ROUTER_HOST_PORT ?? 0) || (await hostPort());
    const clientPort = Number(process.env.CLIENT_HOST_PORT ?? 0) || (await hostPort([routerPort]));
    const routerUrl = `http://127.0.0.1:${routerPort}/graphql`;
    project = new ComposeProject(engine, PROJECT, {
      ...generatedSecrets(),
      PUBLISH_ADDRESS: '127.0.0.1',
      ROUTER_HOST_PORT: String(routerPort),
      CLIENT_HOST_PORT: String(clientPort),
      GRAPHQL_URL: routerUrl,
      CORS_ORIGINS: `http://127.0.0.1:${clientPort},http://localhost:${clientPort}`,
    });
    const compose = project;
    // Whatever an interrupted run left behind under this project name.
    await compose.compose(['down', '--volumes', '--remove-orphans']);
    const services = (await compose.compose(['config', '--services'])).stdout
      .split('\n')
      .filter(Boolean);

    await phase('build (every image, from the Dockerfile)', () =>
      compose.compose(['build'], 3_600_000),
    );
    stopTicker = engine.tickHealthChecks(PROJECT);
    await phase('start and wait for every health check', async () => {
      await compose.compose(['up', '--detach', '--no-build'], 900_000);
      await compose.waitHealthy(services);
      checks.push(`✓ all ${services.length} services healthy: ${services.join(', ')}`);
    });

    await phase('Node.js in the service images', () =>
      check('every Node.js service runs on Node.js 24', async () => {
        const versions = await Promise.all(
          (await compose.containers())
            .filter((c) => NODE_SERVICES.includes(c.service))
            .map(async (c) => {
              const { stdout } = await run(
                engine.cli,
                ['exec', c.name, 'node', '-p', 'process.version'],
                {
                  env: engine.env,
                },
              );
              return `${c.service} ${stdout.trim()}`;
            }),
        );
        const wrong = versions.filter((v) => !/ v24\./.test(v));
        if (versions.length !== NODE_SERVICES.length || wrong.length)
          throw new Error(versions.join(', '));
        return versions[0]!.split(' ')[1];
      }),
    );

    const client = new Client(routerUrl);
    const world: World = await phase('client scenario through the published ports', async () => {
      await check(
        `the web client is served on :${clientPort} and points at the router`,
        async () => {
          const page = await fetch(`http://127.0.0.1:${clientPort}/`);
          const html = await page.text();
          if (!page.ok || !html.includes('<div id="root"')) throw new Error(`HTTP ${page.status}`);
          const config = (await (
            await fetch(`http://127.0.0.1:${clientPort}/config.json`)
          ).json()) as Record<string, unknown>;
          if (!JSON.stringify(config).includes(routerUrl)) throw new Error(JSON.stringify(config));
        },
      );
      return clientScenario(client, routerUrl.replace(/^http/, 'ws'), check);
    });

    for (const service of ['postgres', RESTARTED_SUBGRAPH])
      await phase(`restart ${service}`, async () => {
        const before = (await compose.startedAt()).get(service);
        await compose.compose(['restart', service]);
        await compose.waitHealthy([service]);
        await check(
          `compose restart ${service}: a new container process, healthy again`,
          async () => {
            const after = (await compose.startedAt()).get(service);
            if (!before || !after || after === before)
              throw new Error(`started ${before}, then ${after}`);
          },
        );
        await dataSurvived(client, world, check, `restarting ${service}`);
      });
  } catch (error) {
    failed = error;
    say(`FAILED: ${(error as Error).message}`);
    if (project) {
      const logs = await project.logs();
      writeFileSync(join(LOG_DIR, 'containers.log'), logs);
      say(`The containers' last log lines: ${join(LOG_DIR, 'containers.log')}`);
    }
  } finally {
    await phase('tear down (containers, networks, volumes)', () =>
      teardown(project, engine, stopTicker),
    );
  }

  console.log('\nContainers: what was checked');
  for (const line of checks) console.log(`  ${line}`);
  console.log('Phases');
  for (const { name, ms } of phases) console.log(`  ${seconds(ms).padStart(8)}  ${name}`);
  console.log(`  ${seconds(Date.now() - started).padStart(8)}  total`);
  console.log(failed ? '\nnpm run test:containers: FAILED' : '\nnpm run test:containers: passed');
  return failed ? 1 : 0;
}

async function teardown(
  project: ComposeProject | undefined,
  engine: Engine,
  stopTicker: () => void,
) {
  stopTicker();
  try {
    if (project) {
      await project.compose(['down', '--volumes', '--remove-orphans'], 300_000);
      const left = await project.leftovers();
      if (left.length) throw new Error(`still there after down: ${left.join(', ')}`);
      checks.push('✓ torn down: no container, network or volume of the project left');
    }
  } finally {
    await engine.close();
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
