/** What the numbers were measured on: the machine, its load, and the versions of what ran. */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';

export interface Machine {
  nproc: number;
  cpu: string;
  memoryGiB: number;
  os: string;
  node: string;
  postgres: string;
  kafka: string;
  packages: Record<string, string>;
  loadAverageAtStart: number[];
  loadAverageAtEnd?: number[];
}

function nproc(): number {
  try {
    return Number(execFileSync('nproc', { encoding: 'utf8' }).trim());
  } catch {
    return os.availableParallelism();
  }
}

function packageVersion(root: string, name: string): string {
  try {
    return (
      JSON.parse(readFileSync(join(root, 'node_modules', name, 'package.json'), 'utf8')) as {
        version: string;
      }
    ).version;
  } catch {
    return 'not installed';
  }
}

/** The broker's version from the jars `npm start`/`npm test` run it from, when the scripts started it. */
function kafkaVersion(root: string, startedHere: boolean): string {
  const lib = join(root, '.data', 'kafka-lib');
  if (!startedHere) return 'external broker (KAFKA_BROKERS)';
  if (!existsSync(lib)) return 'unknown';
  const jar = readdirSync(lib).find((f) => /^kafka(_[\d.]+|-server)-[\d.]+\.jar$/.test(f));
  const version = jar ? /-([\d.]+)\.jar$/.exec(jar)?.[1] : undefined;
  return version ? `Apache Kafka ${version} (KRaft, single node)` : 'unknown';
}

export async function describeMachine(
  root: string,
  postgresUrl: string,
  kafkaStartedHere: boolean,
): Promise<Machine> {
  const db = new Client({ connectionString: postgresUrl });
  await db.connect();
  let postgres: string;
  try {
    const { rows } = await db.query<{ server_version: string }>('SHOW server_version');
    postgres = `PostgreSQL ${rows[0].server_version}`;
  } finally {
    await db.end();
  }
  return {
    nproc: nproc(),
    cpu: os.cpus()[0]?.model ?? 'unknown',
    memoryGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    os: `${os.type()} ${os.release()}`,
    node: process.version,
    postgres,
    kafka: kafkaVersion(root, kafkaStartedHere),
    packages: Object.fromEntries(
      [
        '@apollo/gateway',
        '@apollo/server',
        '@graphql-hive/gateway',
        'graphql-ws',
        'kafkajs',
        'typeorm',
        'pg',
      ].map((name) => [name, packageVersion(root, name)]),
    ),
    loadAverageAtStart: os.loadavg().map((n) => Math.round(n * 100) / 100),
  };
}
