import 'reflect-metadata';
import { Client } from 'pg';
import { DataSource, type DataSourceOptions } from 'typeorm';
import type { Logger } from './logger';
import { RequestBudgetSubscriber } from './request-budget';

export interface DatabaseOptions {
  url: string;
  // TypeORM's own option types: entity classes or schemas, migration classes.
  entities: DataSourceOptions['entities'];
  migrations: DataSourceOptions['migrations'];
  poolSize?: number;
  statementTimeoutMs?: number;
}

/** A DataSource for one service's own database. Schema changes go through migrations only. */
export function createDataSource(options: DatabaseOptions): DataSource {
  return new DataSource({
    type: 'postgres',
    url: options.url,
    entities: options.entities,
    migrations: options.migrations,
    migrationsTableName: 'migrations',
    // Every statement a request runs is charged to that request's budget.
    subscribers: [RequestBudgetSubscriber],
    synchronize: false,
    logging: false,
    extra: {
      max: options.poolSize ?? 10,
      // A stuck query must not hold a request (or a row lock) forever.
      statement_timeout: options.statementTimeoutMs ?? 10_000,
      connectionTimeoutMillis: 5_000,
    },
  });
}

const MIGRATION_LOCK = 7_042_000;

/** Connects and brings the schema up to date. */
export async function openDatabase(dataSource: DataSource, logger?: Logger): Promise<DataSource> {
  await dataSource.initialize();
  // Instances starting together must not run the same migration twice.
  // The lock is per session, so it is held on one dedicated connection.
  const lock = dataSource.createQueryRunner();
  await lock.connect();
  await lock.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK]);
  let applied;
  try {
    applied = await dataSource.runMigrations({ transaction: 'each' });
  } finally {
    await lock.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK]);
    await lock.release();
  }
  if (applied.length > 0)
    logger?.info({ migrations: applied.map((m) => m.name) }, 'migrations applied');
  return dataSource;
}

/** Creates the database named in `url` if it does not exist yet (connecting to `postgres`). */
export async function ensureDatabase(url: string): Promise<void> {
  const target = new URL(url);
  const name = decodeURIComponent(target.pathname.replace(/^\//, ''));
  if (!/^[a-zA-Z0-9_]+$/.test(name)) throw new Error(`Unsupported database name "${name}"`);
  const admin = new URL(url);
  admin.pathname = '/postgres';
  const client = new Client({ connectionString: admin.toString() });
  await client.connect();
  try {
    const exists = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (exists.rowCount === 0) {
      await client.query(`CREATE DATABASE "${name}"`).catch((error: { code?: string }) => {
        // Two processes racing to create it: the other one won, which is fine.
        if (error.code !== '42P04' && error.code !== '23505') throw error;
      });
    }
  } finally {
    await client.end();
  }
}

/** Drops a database (tests' throwaway databases), ending its open connections first. */
export async function dropDatabase(url: string): Promise<void> {
  const target = new URL(url);
  const name = decodeURIComponent(target.pathname.replace(/^\//, ''));
  const admin = new URL(url);
  admin.pathname = '/postgres';
  const client = new Client({ connectionString: admin.toString() });
  await client.connect();
  try {
    await client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  } finally {
    await client.end();
  }
}

/** Replaces the database name of a server URL: `withDatabase('postgres://h/x', 'ko_users')`. */
export function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}
