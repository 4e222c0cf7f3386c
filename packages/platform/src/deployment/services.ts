import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';

/**
 * glibc keeps freed large blocks for reuse unless they were mmapped, and raises its mmap threshold
 * as they are freed: each argon2 hash's 19 MiB then stays resident after a burst of sign-ins.
 * A fixed threshold hands them back to the kernel (the users Dockerfile sets the same).
 */
const RETURN_LARGE_ALLOCATIONS = { MALLOC_MMAP_THRESHOLD_: String(1024 * 1024) };

/**
 * V8 sizes its heap limit from the machine's memory and collects lazily on the way there: under the
 * benchmarks' load the router, tickets and events grew past 200 MB with a live heap far below
 * that. Every subgraph and the router get this limit.
 */
const HEAP_LIMIT = '--max-old-space-size=128';
/**
 * The subscriptions service holds about 17 KB of heap per socket (104 MB live at 5,000 in a heap
 * snapshot), so 128 MB ran out in a waiting room of 5,000; this limit holds its MAX_CONNECTIONS
 * (8,000 by default, the rest refused with 1013) with room for frames waiting under overload.
 */
const SUBSCRIPTIONS_HEAP_LIMIT = '--max-old-space-size=256';
/** The subscriptions service collects once a crowd of sockets has left (heap-release.ts). */
const EXPOSE_GC = '--expose-gc';

/**
 * The platform's processes on one machine, in start order: where each one's code is (it runs
 * `<dir>/dist/main.js`), its default port, its own database, and its Node flags and environment.
 * `npm start`, the benchmark and the test stacks all deploy from this table.
 */
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
  subscriptions: {
    dir: 'subscriptions',
    port: 4005,
    subgraph: false,
    database: undefined,
    nodeArgs: [SUBSCRIPTIONS_HEAP_LIMIT, EXPOSE_GC],
  },
  /** A local SMTP server with a web inbox (MailDev): `port` is the inbox, `smtpPort` takes mail. */
  mailbox: {
    dir: 'lambdas/mailbox',
    port: 1080,
    smtpPort: 1025,
    subgraph: false,
    database: undefined,
    healthPath: '/api/healthz',
  },
  'lambda-runner': { dir: 'lambdas/runner', port: 9001, subgraph: false, database: undefined },
  /** The mail function's event source mapping; it owns the `mail` database (the function's records). */
  mail: { dir: 'lambdas/event-source', port: 4006, subgraph: false, database: 'mail' },
  router: {
    dir: 'supergraph',
    port: 4000,
    subgraph: false,
    database: undefined,
    nodeArgs: [HEAP_LIMIT],
  },
} as const;

export type ServiceName = keyof typeof SERVICES;
export type SubgraphName = 'users' | 'events' | 'tickets' | 'chat';
/** The services with a database of their own. */
export type DatabaseOwner = SubgraphName | 'mail';

/** Every service of the platform, in start order: what `npm start` runs. */
export const PLATFORM_SERVICES = Object.keys(SERVICES) as ServiceName[];

export function repoRoot(): string {
  let dir = __dirname;
  while (!existsSync(join(dir, 'supergraph.yaml')) || !existsSync(join(dir, 'package.json'))) {
    const parent = resolve(dir, '..');
    if (parent === dir) throw new Error('Cannot find the repository root (supergraph.yaml)');
    dir = parent;
  }
  return dir;
}

/** The command line that runs one instance of a service from its build. */
export function serviceCommand(
  root: string,
  name: ServiceName,
): { command: string; args: string[] } {
  const service = SERVICES[name];
  return {
    command: process.execPath,
    args: [
      '--enable-source-maps',
      ...('nodeArgs' in service ? service.nodeArgs : []),
      join(root, service.dir, 'dist', 'main.js'),
    ],
  };
}
