// `npm test`: provisions a throwaway PostgreSQL database space and a Kafka broker, then runs
// jest (unit and integration tests; the latter boot real services and go through the router).
import { spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from 'pg';
import { ROOT, provisionInfrastructure } from './infrastructure';
import { ensureChromium } from './provision/chromium';

const log = (message: string) => console.log(`[test] ${message}`);

async function dropLeftoverTestDatabases(postgresUrl: string): Promise<void> {
  const client = new Client({ connectionString: postgresUrl });
  await client.connect();
  try {
    const { rows } = await client.query<{ datname: string }>(
      `SELECT datname FROM pg_database WHERE datname ~ '^t[0-9a-f]{8}_'`,
    );
    // Without FORCE: a database still in use belongs to another test run on this server.
    for (const { datname } of rows)
      await client.query(`DROP DATABASE IF EXISTS "${datname}"`).catch(() => undefined);
  } finally {
    await client.end();
  }
}

async function main(): Promise<number> {
  // The web client's end-to-end tests (client/test) drive Debian's Chromium.
  ensureChromium(log);
  // Test code and scripts are type-checked too (the build covers only services' src).
  const check = spawnSync(
    process.execPath,
    [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.check.json'],
    {
      cwd: ROOT,
      stdio: 'inherit',
    },
  );
  if (check.status !== 0) return check.status ?? 1;
  // Lint and formatting (eslint, prettier --check) are part of the tests.
  const lint = spawnSync('npm', ['run', '--silent', 'lint'], { cwd: ROOT, stdio: 'inherit' });
  if (lint.status !== 0) return lint.status ?? 1;
  const dataDir = join(ROOT, '.data', 'test');
  rmSync(join(dataDir, 'kafka'), { recursive: true, force: true });
  rmSync(join(ROOT, '.data', 'test-stacks'), { recursive: true, force: true });
  const infra = await provisionInfrastructure({ dataDir, log, embeddedPostgresPort: 5434 });
  try {
    await dropLeftoverTestDatabases(infra.postgres.url);
    const jest = spawnSync(
      process.execPath,
      [join(ROOT, 'node_modules', 'jest', 'bin', 'jest.js'), ...process.argv.slice(2)],
      {
        cwd: ROOT,
        stdio: 'inherit',
        env: {
          ...process.env,
          TEST_POSTGRES_URL: infra.postgres.url,
          KAFKA_BROKERS: infra.kafkaBrokers,
          KAFKA_CREDENTIALS_FILE: infra.kafkaCredentialsFile,
          NODE_ENV: 'test',
        },
      },
    );
    return jest.status ?? 1;
  } finally {
    await infra.stop();
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(`[test] ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  },
);
