import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { randomBytes } from 'node:crypto';
import { stringify } from 'yaml';
import { dropDatabase, ensureDatabase, withDatabase } from '../database';
import { ManagedProcess, freePort } from './processes';

/**
 * glibc keeps freed large blocks for reuse unless they were mmapped, and raises its mmap threshold
 * as they are freed: each argon2 hash's 19 MiB then stays resident after a burst of sign-ins.
 * A fixed threshold hands them back to the kernel (the users Dockerfile sets the same).
 */
const RETURN_LARGE_ALLOCATIONS = { MALLOC_MMAP_THRESHOLD_: String(1024 * 1024) };

/**
 * V8 sizes its heap limit from the machine's memory and collects lazily on the way there: under the
 * benchmarks' load the router, tickets and events grew past 200 MB with a live heap far below
 * that. Every subgraph and the router get this limit. The subscriptions service is left out: under overload its frames wait in the heap, and it sheds slow clients by
 * its own limits rather than by running out.
 */
const HEAP_LIMIT = '--max-old-space-size=128';

/** The platform's processes, in start order. `database` names the service's own database. */
export const SERVICES = {
  users: {
    dir: 'subgraphs/users',
    port: 4001,
    subgraph: true,
    database: 'users',
    env: RETURN_LARGE_ALLOCATIONS,
    nodeArgs: [HEAP_LIMIT],
  },
  events: {
    dir: 'subgraphs/events',
    port: 4002,
    subgraph: true,
    database: 'events',
    nodeArgs: [HEAP_LIMIT],
  },
  tickets: {
    dir: 'subgraphs/tickets',
    port: 4003,
    subgraph: true,
    database: 'tickets',
    nodeArgs: [HEAP_LIMIT],
  },
  chat: {
    dir: 'subgraphs/chat',
    port: 4004,
    subgraph: true,
    database: 'chat',
    nodeArgs: [HEAP_LIMIT],
  },
  subscriptions: { dir: 'subscriptions', port: 4005, subgraph: false, database: undefined },
  'lambda-runner': { dir: 'lambdas/runner', port: 9001, subgraph: false, database: undefined },
  gateway: {
    dir: 'supergraph',
    port: 4000,
    subgraph: false,
    database: undefined,
    nodeArgs: [HEAP_LIMIT],
  },
} as const;

export type ServiceName = keyof typeof SERVICES;
export type SubgraphName = 'users' | 'events' | 'tickets' | 'chat';

export function repoRoot(): string {
  let dir = __dirname;
  while (!existsSync(join(dir, 'supergraph.yaml')) || !existsSync(join(dir, 'package.json'))) {
    const parent = resolve(dir, '..');
    if (parent === dir) throw new Error('Cannot find the repository root (supergraph.yaml)');
    dir = parent;
  }
  return dir;
}

export interface StackOptions {
  /** PostgreSQL server URL; each service gets `<prefix>_<service>` on it. */
  postgresUrl: string;
  kafkaBrokers: string;
  services: ServiceName[];
  /** Database name prefix: fixed for `npm start`, random for tests. */
  databasePrefix?: string;
  /** Fixed ports (npm start) instead of free ones (tests). */
  fixedPorts?: boolean;
  /** Extra instances per service, e.g. `{ events: 2 }`. */
  instances?: Partial<Record<ServiceName, number>>;
  /** Extra environment for every service, or per service. */
  env?: Record<string, string>;
  serviceEnv?: Partial<Record<ServiceName, Record<string, string>>>;
  workDir?: string;
  logLevel?: string;
  echo?: boolean;
}

export interface Stack {
  gatewayUrl: string;
  /** /graphql URL of each service's first instance. */
  urls: Partial<Record<ServiceName, string>>;
  databaseUrls: Partial<Record<SubgraphName, string>>;
  serviceListPath: string;
  workDir: string;
  instances(name: ServiceName): ManagedProcess[];
  /** Restarts the whole set of processes already defined, e.g. after a config change. */
  stop(options?: { dropDatabases?: boolean }): Promise<void>;
}

/**
 * Boots real services as real processes (their built `dist/main.js`) on loopback, each with
 * its own database, wired together by a generated service list. Used by `npm start` and by
 * integration tests alike, so both exercise the same wiring.
 */
export async function startStack(options: StackOptions): Promise<Stack> {
  const root = repoRoot();
  const prefix = options.databasePrefix ?? `t${randomBytes(4).toString('hex')}`;
  const workDir = options.workDir ?? join(root, '.data', 'test-stacks', prefix);
  mkdirSync(workDir, { recursive: true });
  const wanted = new Set(options.services);
  const order = (Object.keys(SERVICES) as ServiceName[]).filter((name) => wanted.has(name));

  const ports = new Map<ServiceName, number[]>();
  for (const name of order) {
    const count = options.instances?.[name] ?? 1;
    const list: number[] = [];
    for (let i = 0; i < count; i++) {
      list.push(options.fixedPorts ? SERVICES[name].port + i * 100 : await freePort());
    }
    ports.set(name, list);
  }
  const baseUrl = (name: ServiceName, i = 0) => `http://127.0.0.1:${ports.get(name)![i]}`;

  const databaseUrls: Partial<Record<SubgraphName, string>> = {};
  for (const name of order) {
    const db = SERVICES[name].database;
    if (db) {
      databaseUrls[name as SubgraphName] = withDatabase(options.postgresUrl, `${prefix}_${db}`);
      await ensureDatabase(databaseUrls[name as SubgraphName]!);
    }
  }

  const serviceListPath = join(workDir, 'supergraph.yaml');
  const subgraphs: Record<string, unknown> = {};
  for (const name of order.filter((n) => SERVICES[n].subgraph)) {
    const urls = ports.get(name)!.map((_, i) => `${baseUrl(name, i)}/graphql`);
    subgraphs[name] = {
      routing_url: urls[0],
      ...(urls.length > 1 ? { instances: urls } : {}),
      schema: { file: join(root, SERVICES[name].dir, 'src', 'schema.graphql') },
    };
  }
  const document: Record<string, unknown> = { federation_version: '=2.9.0', subgraphs };
  if (wanted.has('subscriptions')) {
    document.subscriptions = {
      instances: ports
        .get('subscriptions')!
        .map((_, i) => `${baseUrl('subscriptions', i).replace('http', 'ws')}/graphql`),
    };
  }
  writeFileSync(serviceListPath, stringify(document));

  const common: Record<string, string> = {
    NODE_ENV: process.env.NODE_ENV === 'production' ? 'production' : 'development',
    LOG_LEVEL: options.logLevel ?? 'info',
    HOST: '127.0.0.1',
    KAFKA_BROKERS: options.kafkaBrokers,
    SERVICE_LIST: serviceListPath,
    KEYS_DIR: join(workDir, 'keys'),
    ...(wanted.has('users') ? { JWKS_URL: `${baseUrl('users')}/.well-known/jwks.json` } : {}),
    ...(wanted.has('lambda-runner') ? { LAMBDA_ENDPOINT: baseUrl('lambda-runner') } : {}),
    ...options.env,
  };

  const processes = new Map<ServiceName, ManagedProcess[]>();
  const stack: Stack = {
    gatewayUrl: wanted.has('gateway') ? `${baseUrl('gateway')}/graphql` : '',
    urls: Object.fromEntries(order.map((n) => [n, `${baseUrl(n)}/graphql`])),
    databaseUrls,
    serviceListPath,
    workDir,
    instances: (name) => processes.get(name) ?? [],
    stop: async ({ dropDatabases = false } = {}) => {
      for (const name of [...order].reverse()) {
        await Promise.all((processes.get(name) ?? []).map((p) => p.stop()));
      }
      if (dropDatabases)
        await Promise.all(Object.values(databaseUrls).map((url) => dropDatabase(url!)));
    },
  };

  // Users first (the others fetch its JWKS); the gateway last (it routes to everyone).
  const stages: ServiceName[][] = [
    order.filter((n) => n === 'users' || n === 'lambda-runner'),
    order.filter((n) => !['users', 'lambda-runner', 'gateway'].includes(n)),
    order.filter((n) => n === 'gateway'),
  ];
  try {
    for (const stage of stages) {
      await Promise.all(
        stage.flatMap((name) =>
          ports.get(name)!.map(async (port, i) => {
            const service = SERVICES[name];
            const proc = new ManagedProcess({
              name: ports.get(name)!.length > 1 ? `${name}#${i + 1}` : name,
              command: process.execPath,
              args: [
                '--enable-source-maps',
                ...('nodeArgs' in service ? service.nodeArgs : []),
                join(root, service.dir, 'dist', 'main.js'),
              ],
              cwd: root,
              env: {
                ...common,
                ...('env' in service ? service.env : {}),
                PORT: String(port),
                ...(service.database ? { DATABASE_URL: databaseUrls[name as SubgraphName]! } : {}),
                // Stacks share one broker: each gets its own consumer group, named like its database.
                ...(name === 'tickets' ? { KAFKA_CONSUMER_GROUP: `${prefix}_tickets` } : {}),
                ...options.serviceEnv?.[name],
              },
              logFile: join(workDir, 'logs', `${name}-${i + 1}.log`),
              healthUrl: `http://127.0.0.1:${port}/health`,
              echo: options.echo,
            });
            processes.set(name, [...(processes.get(name) ?? []), proc]);
            await proc.start(60_000);
          }),
        ),
      );
    }
  } catch (error) {
    await stack.stop();
    throw error;
  }
  return stack;
}
