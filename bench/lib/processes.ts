/**
 * The bench's own processes beside the stack (Hive Gateway in both runtimes, the chat floor),
 * and which operating-system processes make up each thing whose CPU the bench reads.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from 'pg';
import { readServiceList } from '@ko/platform';
import { ManagedProcess, freePort, type Stack } from '@ko/platform/deployment';
import { composeSupergraph } from '../../supergraph/src/composition';
import { withDescendants, type CpuSource } from './cpu';
import { failure, type NotMeasured } from './report';

/** Environment that makes a process write a CPU profile when it exits (see bench/cpu-profile.cjs). */
export const profilerEnv = (
  root: string,
  name: string,
  workDir: string,
): Record<string, string> => ({
  NODE_OPTIONS: `--require ${join(root, 'bench', 'cpu-profile.cjs')}`,
  KO_CPU_PROFILE_DIR: join(workDir, 'profiles'),
  KO_CPU_PROFILE_NAME: name,
});

/**
 * The bench's databases are named bench<hex>_<service>: `npm test` drops leftover t<hex>_*
 * databases when it starts, and must not drop these from under a running bench. Ten hex digits:
 * checkouts from before this file dropped every bench<8 hex>_* database WITH (FORCE), and
 * would still drop a running bench's from under it.
 */
const BENCH_DATABASES = /^bench[0-9a-f]{8}(?:[0-9a-f]{2})?_/;

/** A fresh prefix for one run's databases. */
export const benchDatabasePrefix = () => `bench${randomBytes(5).toString('hex')}`;

/** Databases left by an earlier bench that was killed before it could drop them. */
export async function dropLeftoverBenchDatabases(postgresUrl: string): Promise<void> {
  const db = new Client({ connectionString: postgresUrl });
  await db.connect();
  try {
    const { rows } = await db.query<{ datname: string }>('SELECT datname FROM pg_database');
    // Without FORCE: a database still in use belongs to another bench running on this server
    // (the machine's PostgreSQL is shared), and a killed bench's leftovers have no connections.
    for (const { datname } of rows.filter((r) => BENCH_DATABASES.test(r.datname)))
      await db.query(`DROP DATABASE IF EXISTS "${datname}"`).catch(() => undefined);
  } finally {
    await db.end();
  }
}

export interface Sidecar {
  process: ManagedProcess;
  url: string;
}

/** A bench script (under bench/) as its own Node.js process, waited on through /health. */
async function startSidecar(options: {
  root: string;
  workDir: string;
  name: string;
  script: string;
  env: Record<string, string>;
  urlPath: string;
}): Promise<Sidecar> {
  const port = await freePort();
  const sidecar = new ManagedProcess({
    name: options.name,
    command: process.execPath,
    args: ['--enable-source-maps', '--import', 'tsx', join(options.root, 'bench', options.script)],
    cwd: options.root,
    env: { ...options.env, PORT: String(port) },
    logFile: join(options.workDir, 'logs', `${options.name}.log`),
    healthUrl: `http://127.0.0.1:${port}/health`,
  });
  await sidecar.start(60_000);
  return { process: sidecar, url: `http://127.0.0.1:${port}${options.urlPath}` };
}

/**
 * Hive Gateway on the same supergraph our router composes (same service list and schema files):
 * its default JavaScript runtime, or with `rust` Hive Router's query planner and executor.
 */
export async function startHiveGateway(options: {
  root: string;
  stack: Stack;
  workDir: string;
  runtime: 'javascript' | 'rust';
  profile: boolean;
}): Promise<Sidecar> {
  // Written for each start: the work directory outlives a run, and its subgraph ports change.
  const sdlFile = join(options.workDir, 'supergraph.graphql');
  writeFileSync(sdlFile, composeSupergraph(readServiceList(options.stack.serviceListPath)));
  const name = options.runtime === 'rust' ? 'hive-router-runtime' : 'hive-gateway';
  return startSidecar({
    ...options,
    name,
    script: 'hive-gateway.ts',
    urlPath: '/graphql',
    env: {
      // Whatever our services run under, so neither router gets a different mode of graphql-js.
      NODE_ENV: process.env.NODE_ENV === 'production' ? 'production' : 'development',
      SUPERGRAPH_FILE: sdlFile,
      HIVE_ROUTER_RUNTIME: String(options.runtime === 'rust'),
      ...(options.profile ? profilerEnv(options.root, name, options.workDir) : {}),
    },
  });
}

/** The chat fan-out's floor (bench/chat-floor.ts); its URL is the base of /post and /graphql. */
export function startChatFloor(options: { root: string; workDir: string }): Promise<Sidecar> {
  return startSidecar({
    ...options,
    name: 'chat-floor',
    script: 'chat-floor.ts',
    urlPath: '',
    env: { NODE_ENV: 'production' },
  });
}

/**
 * Hive Gateway in both runtimes and the chat's floor, each timed into `setup`; one that does not
 * start is reported as not measurable (its comparison only), never a failure of the run.
 */
export async function startComparisons(options: {
  root: string;
  stack: Stack;
  workDir: string;
  profileHive: boolean;
  setup: Record<string, number>;
  log: (message: string) => void;
  onStarted: (sidecar: Sidecar) => void;
}): Promise<Record<string, Sidecar | NotMeasured>> {
  const hive = (runtime: 'javascript' | 'rust') => () =>
    startHiveGateway({ ...options, runtime, profile: options.profileHive });
  const starts: Array<[string, () => Promise<Sidecar>]> = [
    ['hive-gateway', hive('javascript')],
    ['hive-router-runtime', hive('rust')],
    ['chat-floor', () => startChatFloor(options)],
  ];
  const sidecars: Record<string, Sidecar | NotMeasured> = {};
  for (const [name, start] of starts) {
    const t0 = Date.now();
    try {
      const sidecar = await start();
      options.onStarted(sidecar);
      sidecars[name] = sidecar;
      options.setup[`start ${name}`] = Math.round((Date.now() - t0) / 100) / 10;
      options.log(`${name} up in ${options.setup[`start ${name}`]} s: ${sidecar.url}`);
    } catch (error) {
      sidecars[name] = failure(error);
      options.log(
        `${name} did not start on Node ${process.version}: ${failure(error).notMeasured}`,
      );
    }
  }
  return sidecars;
}

/**
 * The PostgreSQL backends serving the bench's databases (pg_stat_activity, polled every second:
 * pools open their connections before a scenario's measured window, so few are missed).
 */
export function postgresBackends(postgresUrl: string, databasePrefix: string) {
  let pids: number[] = [];
  const db = new Client({ connectionString: postgresUrl });
  const connected = db.connect();
  const poll = async () => {
    await connected;
    const { rows } = await db.query<{ pid: number }>(
      'SELECT pid FROM pg_stat_activity WHERE datname LIKE $1 AND pid <> pg_backend_pid()',
      [`${databasePrefix}\\_%`],
    );
    pids = rows.map((r) => r.pid);
  };
  const timer = setInterval(() => void poll().catch(() => undefined), 1_000);
  timer.unref();
  return {
    pids: () => pids,
    ready: poll,
    stop: async () => {
      clearInterval(timer);
      await db.end().catch(() => undefined);
    },
  };
}

/** The Kafka broker this bench started (with the JVM it runs in), from its pid file. */
export function kafkaPids(dataDir: string): () => number[] {
  const pidFile = join(dataDir, 'kafka', 'kafka.pid');
  return () =>
    existsSync(pidFile) ? withDescendants(Number(readFileSync(pidFile, 'utf8').trim())) : [];
}

export const single = (name: string, pid: () => number | undefined): CpuSource => ({
  name,
  pids: () => {
    const p = pid();
    return p ? [p] : [];
  },
});
