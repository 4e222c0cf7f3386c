// The container engine `npm run test:containers` uses: a Docker engine when one answers;
// otherwise podman, set up here as this kind of machine needs it (installed with apt-get, runc as
// its runtime, resource limits below the sandbox's, its Docker API service started, and the
// health checks that podman leaves to systemd timers run by a ticker).
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, openSync, readFileSync, closeSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { dirname } from 'node:path';
import { run, succeeds } from './exec';

export interface Engine {
  /** docker, or podman behind its Docker API. */
  kind: 'docker' | 'podman';
  /** The command-line client for images and containers. */
  cli: string;
  /** The compose command and its leading arguments (`docker compose` or `docker-compose`). */
  compose: string[];
  /** Environment for the CLI and compose (DOCKER_HOST for podman's API). */
  env: NodeJS.ProcessEnv;
  /** What ran, for the report: engine, runtime and compose versions. */
  description: string;
  /** Runs the project's health checks where the engine does not (podman without systemd). */
  tickHealthChecks(project: string): () => void;
  /** Stops what was started here (podman's API service); leaves an engine found running alone. */
  close(): Promise<void>;
}

const PODMAN_SOCKET = '/run/podman/podman.sock';
// Read after /etc/containers/containers.conf and the distribution's defaults, so only these two
// settings change: runc (crun is not installed), and limits the sandbox allows a container to set.
const PODMAN_CONF = '/etc/containers/containers.conf.d/50-ko-ticket-master.conf';
const PODMAN_SETTINGS = `# Written by KO Ticket Master's scripts/containers/engine.ts (npm run test:containers).
[containers]
# The sandbox refuses to raise resource limits; podman's defaults ask for more than it allows.
default_ulimits = ["nofile=8000:8000", "nproc=30000:30000"]

[engine]
runtime = "runc"

[network]
# netavark (with aardvark-dns) resolves service names on an internal network; CNI's dnsname
# plugin does not serve internal networks, and compose's \`internal\` network is one.
network_backend = "netavark"
`;
// Recommended packages are named here, as the install skips recommendations: catatonit is
// podman's init for `init: true` services; netavark and aardvark-dns are the network backend
// that lets containers find each other by service name, and netavark sets up each container's
// network through iptables (without it every RUN and start fails: "netavark: No such file").
const APT_PACKAGES = [
  'podman',
  'runc',
  'docker-compose',
  'uidmap',
  'slirp4netns',
  'catatonit',
  'netavark',
  'aardvark-dns',
  'iptables',
];

/** Finds or sets up an engine. `logDir` receives the podman API service's log. */
export async function openEngine(logDir: string, log: (line: string) => void): Promise<Engine> {
  const docker = await dockerEngine();
  if (docker) return docker;
  log('No Docker engine answers: setting up podman.');
  return podmanEngine(logDir, log);
}

async function dockerEngine(): Promise<Engine | undefined> {
  if (!(await succeeds('docker', ['info'], { timeoutMs: 20_000 }))) return undefined;
  const version = await run('docker', ['version', '--format', '{{json .Server}}']);
  // podman's API answers `docker info` as well: that one is handled below, with its ticker.
  if (/podman/i.test(version.stdout)) return undefined;
  const compose = await composeCommand(process.env);
  const server = JSON.parse(version.stdout) as { Version?: string };
  return {
    kind: 'docker',
    cli: 'docker',
    compose,
    env: process.env,
    description: `Docker Engine ${server.Version ?? '?'}, ${await composeVersion(compose, process.env)}`,
    tickHealthChecks: () => () => undefined,
    close: async () => undefined,
  };
}

async function composeCommand(env: NodeJS.ProcessEnv): Promise<string[]> {
  if (await succeeds('docker', ['compose', 'version'], { env })) return ['docker', 'compose'];
  if (await succeeds('docker-compose', ['version'], { env })) return ['docker-compose'];
  await aptInstall(['docker-compose']);
  return ['docker-compose'];
}

async function composeVersion(compose: string[], env: NodeJS.ProcessEnv): Promise<string> {
  const [cmd, ...args] = compose;
  const out = await run(cmd!, [...args, 'version', '--short'], { env, allowFailure: true });
  return `${compose.join(' ')} ${out.stdout.trim()}`;
}

/** apt-get install of what is missing (idempotent; nothing is asked of a person). */
export async function aptInstall(packages: string[]): Promise<void> {
  const missing: string[] = [];
  for (const name of packages) {
    const status = await run('dpkg-query', ['-W', '-f=${Status}', name], { allowFailure: true });
    if (!status.stdout.includes('install ok installed')) missing.push(name);
  }
  if (missing.length === 0) return;
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const install = ['install', '-y', '--no-install-recommends', ...missing];
  if (!(await succeeds('apt-get', install, { env }))) {
    await run('apt-get', ['update'], { env });
    await run('apt-get', install, { env });
  }
}

async function podmanEngine(logDir: string, log: (line: string) => void): Promise<Engine> {
  await aptInstall(APT_PACKAGES);
  if (!existsSync(PODMAN_CONF) || readFileSync(PODMAN_CONF, 'utf8') !== PODMAN_SETTINGS) {
    mkdirSync(dirname(PODMAN_CONF), { recursive: true });
    writeFileSync(PODMAN_CONF, PODMAN_SETTINGS);
    log(`Wrote ${PODMAN_CONF} (runc, container limits the sandbox allows).`);
  }
  const env = { ...process.env, DOCKER_HOST: `unix://${PODMAN_SOCKET}` };
  let service: ReturnType<typeof spawn> | undefined;
  if (!(await ping(PODMAN_SOCKET))) {
    mkdirSync(dirname(PODMAN_SOCKET), { recursive: true });
    mkdirSync(logDir, { recursive: true });
    const out = openSync(`${logDir}/podman-service.log`, 'a');
    service = spawn('podman', ['system', 'service', '--time=0', `unix://${PODMAN_SOCKET}`], {
      stdio: ['ignore', out, out],
      detached: true,
    });
    closeSync(out);
    service.unref();
    const deadline = Date.now() + 30_000;
    while (!(await ping(PODMAN_SOCKET))) {
      if (Date.now() > deadline || service.exitCode !== null)
        throw new Error(`podman's API service did not answer: see ${logDir}/podman-service.log`);
      await new Promise((r) => setTimeout(r, 250));
    }
    log(`Started podman's Docker API service (pid ${service.pid}) on ${PODMAN_SOCKET}.`);
  }
  const compose = await composeCommand(env);
  const info = await run('podman', [
    'info',
    '--format',
    '{{.Version.Version}} {{.Host.OCIRuntime.Name}} {{.Host.NetworkBackend}}',
  ]);
  const [version, runtime, network] = info.stdout.trim().split(' ');
  return {
    kind: 'podman',
    cli: 'podman',
    compose,
    env,
    description: `podman ${version} (runtime ${runtime}, network ${network}) through its Docker API, ${await composeVersion(compose, env)}`,
    tickHealthChecks: (project) => podmanHealthTicker(project),
    close: async () => {
      if (!service?.pid || service.exitCode !== null) return;
      process.kill(service.pid, 'SIGTERM');
    },
  };
}

/** GET /_ping on the API socket. */
function ping(socketPath: string): Promise<boolean> {
  if (!existsSync(socketPath)) return Promise.resolve(false);
  return new Promise((resolve) => {
    const req = request({ socketPath, path: '/_ping', timeout: 3000 }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on('error', () => resolve(false));
    req.on('timeout', () => req.destroy());
    req.end();
  });
}

/**
 * Podman runs health checks from systemd timers; without systemd a container stays `starting`.
 * This runs `podman healthcheck run` for the project's containers: every 2 s while one is
 * starting or unhealthy (what compose waits on), every 20 s once healthy (so a service that dies
 * is still seen), one at a time per container.
 */
function podmanHealthTicker(project: string): () => void {
  const lastRun = new Map<string, number>();
  const busy = new Set<string>();
  let stopped = false;
  const tick = async () => {
    const ps = await run(
      'podman',
      [
        'ps',
        '--filter',
        `label=com.docker.compose.project=${project}`,
        '--format',
        '{{.Names}}\t{{.Status}}',
      ],
      { allowFailure: true },
    );
    for (const line of ps.stdout.split('\n')) {
      const [name, status = ''] = line.split('\t');
      const health = /\((starting|healthy|unhealthy)\)/.exec(status)?.[1];
      if (!name || !health || busy.has(name)) continue;
      const every = health === 'healthy' ? 20_000 : 2_000;
      if (Date.now() - (lastRun.get(name) ?? 0) < every) continue;
      busy.add(name);
      lastRun.set(name, Date.now());
      void run('podman', ['healthcheck', 'run', name], {
        allowFailure: true,
        timeoutMs: 60_000,
      }).finally(() => busy.delete(name));
    }
  };
  const timer = setInterval(() => {
    if (!stopped) void tick();
  }, 1_000);
  return () => {
    stopped = true;
    clearInterval(timer);
  };
}
