import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { stringify } from 'yaml';
import { dropDatabase, ensureDatabase, withDatabase } from '../database';
import { KAFKA_PRINCIPALS, type KafkaPrincipal } from '../facts';
import { kafkaLoginEnv, type KafkaCredentials } from '../kafka-access';
import { ManagedProcess, freePort } from './processes';
import {
  SERVICES,
  repoRoot,
  serviceCommand,
  type DatabaseOwner,
  type ServiceName,
} from './services';
import { Supervisor, type RestartPolicy } from './supervisor';

export interface StackOptions {
  /** PostgreSQL server URL; each service gets `<prefix>_<service>` on it. */
  postgresUrl: string;
  kafkaBrokers: string;
  /** The broker's accounts: each Kafka-using service gets its own. */
  kafkaCredentials: KafkaCredentials;
  services: ServiceName[];
  /** Database name prefix: fixed for `npm start`, random for tests. */
  databasePrefix?: string;
  /** Fixed ports (npm start) instead of free ones (tests). */
  fixedPorts?: boolean;
  /** Ports instead of the defaults when `fixedPorts` (npm start, when a default port is taken). */
  ports?: Partial<Record<ServiceName | 'mailbox-smtp', number>>;
  /** Extra instances per service, e.g. `{ events: 2 }`. */
  instances?: Partial<Record<ServiceName, number>>;
  /** Extra environment for every service, or per service. */
  env?: Record<string, string>;
  serviceEnv?: Partial<Record<ServiceName, Record<string, string>>>;
  workDir?: string;
  logLevel?: string;
  echo?: boolean;
  /**
   * Restart a service instance that dies (see Supervisor), saying so through `log`: `npm start`
   * does; test stacks do only when that is what they test.
   */
  supervise?: { log: (line: string) => void; policy?: Partial<RestartPolicy> };
  /** Each service in its own process group, out of reach of the terminal's Ctrl-C (npm start). */
  detached?: boolean;
  /** Aborting it while the stack starts stops what has started (Ctrl-C during `npm start`). */
  signal?: AbortSignal;
}

export interface Stack {
  routerUrl: string;
  /** /graphql URL of each service's first instance. */
  urls: Partial<Record<ServiceName, string>>;
  databaseUrls: Partial<Record<DatabaseOwner, string>>;
  /** The mailbox's web inbox and REST API (`/api/email`), when the stack runs one. */
  mailboxUrl?: string;
  /** Where the platform sends mail: the stack's mailbox, or SMTP_URL from `env`. */
  smtpUrl?: string;
  serviceListPath: string;
  workDir: string;
  instances(name: ServiceName): ManagedProcess[];
  /** Restarts so far of one instance by the supervisor (0 when not supervised). */
  restarts(instance: ManagedProcess): number;
  /** Stops every process, supervision first so that none is restarted. */
  stop(options?: { dropDatabases?: boolean }): Promise<void>;
}

/**
 * Boots real services as real processes (their built `dist/main.js`) on loopback, each with
 * its own database, wired together by a generated service list. Used by `npm start`, the
 * benchmark and integration tests alike, so all of them exercise the same wiring.
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
      const fixed = (options.ports?.[name] ?? SERVICES[name].port) + i * 100;
      list.push(options.fixedPorts ? fixed : await freePort());
    }
    ports.set(name, list);
  }
  const baseUrl = (name: ServiceName, i = 0) => `http://127.0.0.1:${ports.get(name)![i]}`;
  const smtpPort = wanted.has('mailbox')
    ? options.fixedPorts
      ? (options.ports?.['mailbox-smtp'] ?? SERVICES.mailbox.smtpPort)
      : await freePort()
    : undefined;
  const smtpUrl = options.env?.SMTP_URL ?? (smtpPort ? `smtp://127.0.0.1:${smtpPort}` : undefined);

  const databaseUrls: Partial<Record<DatabaseOwner, string>> = {};
  for (const name of order) {
    const db = SERVICES[name].database;
    if (db) {
      databaseUrls[name as DatabaseOwner] = withDatabase(options.postgresUrl, `${prefix}_${db}`);
      await ensureDatabase(databaseUrls[name as DatabaseOwner]!);
    }
  }
  const leases = await holdDatabases(Object.values(databaseUrls) as string[]);

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
  // Where each service's own settings come from, beyond the common ones.
  const ownEnv: Partial<Record<ServiceName, Record<string, string>>> = {
    mailbox: { SMTP_PORT: String(smtpPort), MAILBOX_DIR: join(workDir, 'mailbox') },
    // The mail function runs in the runner: its records' database and the mail server.
    'lambda-runner': {
      ...(databaseUrls.mail ? { MAIL_DATABASE_URL: databaseUrls.mail } : {}),
      ...(smtpUrl ? { SMTP_URL: smtpUrl } : {}),
    },
  };

  const processes = new Map<ServiceName, ManagedProcess[]>();
  const supervisor = options.supervise
    ? new Supervisor(options.supervise.log, options.supervise.policy)
    : undefined;
  const stack: Stack = {
    routerUrl: wanted.has('router') ? `${baseUrl('router')}/graphql` : '',
    mailboxUrl: wanted.has('mailbox') ? baseUrl('mailbox') : undefined,
    smtpUrl,
    urls: Object.fromEntries(order.map((n) => [n, `${baseUrl(n)}/graphql`])),
    databaseUrls,
    serviceListPath,
    workDir,
    instances: (name) => processes.get(name) ?? [],
    restarts: (instance) => supervisor?.restarts(instance) ?? 0,
    stop: async ({ dropDatabases = false } = {}) => {
      supervisor?.stop();
      for (const name of [...order].reverse()) {
        await Promise.all((processes.get(name) ?? []).map((p) => p.stop()));
      }
      await Promise.all(leases.splice(0).map((lease) => lease.end().catch(() => undefined)));
      if (dropDatabases)
        await Promise.all(Object.values(databaseUrls).map((url) => dropDatabase(url!)));
    },
  };

  // Users first (the others fetch its JWKS); the router last (it routes to everyone).
  const first: ServiceName[] = ['users', 'lambda-runner', 'mailbox'];
  const stages: ServiceName[][] = [
    order.filter((n) => first.includes(n)),
    order.filter((n) => !first.includes(n) && n !== 'router'),
    order.filter((n) => n === 'router'),
  ];
  const abort = () => void stack.stop();
  options.signal?.addEventListener('abort', abort);
  try {
    for (const stage of stages) {
      options.signal?.throwIfAborted();
      await Promise.all(
        stage.flatMap((name) =>
          ports.get(name)!.map(async (port, i) => {
            const service = SERVICES[name];
            const proc = new ManagedProcess({
              name: `${name}#${i + 1}`,
              ...serviceCommand(root, name),
              cwd: root,
              env: {
                ...common,
                ...('env' in service ? service.env : {}),
                PORT: String(port),
                ...ownEnv[name],
                ...(service.database ? { DATABASE_URL: databaseUrls[name as DatabaseOwner]! } : {}),
                ...((KAFKA_PRINCIPALS as readonly string[]).includes(name)
                  ? kafkaLoginEnv(options.kafkaCredentials.services[name as KafkaPrincipal])
                  : {}),
                // Stacks share one broker: each gets its own consumer group (its account may use
                // groups whose names start with `tickets`).
                ...(name === 'tickets' || name === 'mail'
                  ? { KAFKA_CONSUMER_GROUP: `${name}.${prefix}` }
                  : {}),
                // Subgraphs believe the client address the router (on loopback) forwards; the
                // router itself trusts no proxy unless told to (client-address.ts).
                ...(service.subgraph ? { TRUST_PROXY: '127.0.0.1' } : {}),
                // Tests and benchmarks create their users from one address; `npm start` keeps the limit.
                ...(name === 'users' && !options.fixedPorts
                  ? { REGISTRATIONS_PER_ADDRESS: '1000000' }
                  : {}),
                ...options.serviceEnv?.[name],
              },
              logFile: join(workDir, 'logs', `${name}-${i + 1}.log`),
              healthUrl: `http://127.0.0.1:${port}${'healthPath' in service ? service.healthPath : '/health'}`,
              echo: options.echo,
              detached: options.detached,
            });
            processes.set(name, [...(processes.get(name) ?? []), proc]);
            await proc.start(60_000);
            supervisor?.watch(proc);
          }),
        ),
      );
    }
    options.signal?.throwIfAborted();
  } catch (error) {
    await stack.stop();
    throw error;
  } finally {
    options.signal?.removeEventListener('abort', abort);
  }
  return stack;
}

/**
 * One idle connection to each database for as long as the stack runs. `npm test` drops leftover
 * test databases of earlier runs only when nobody is connected to them, and a service's pool can
 * be empty (idle, or the service is down and about to be restarted) while its stack still lives.
 */
async function holdDatabases(urls: string[]): Promise<Client[]> {
  return Promise.all(
    urls.map(async (url) => {
      const lease = new Client({ connectionString: url });
      // PostgreSQL may go away under a test (dependency-restarts): the lease just lapses.
      lease.on('error', () => undefined);
      await lease.connect();
      return lease;
    }),
  );
}
