/**
 * Scenario 2, the on-sale rush: thousands of distinct fans, each buying one ticket of a tier
 * that holds far fewer, with a fixed number of purchases in flight, through the router. Then the
 * tickets database is counted: oversold and undersold must both be 0.
 *
 * Baseline: pgbench running the inventory's conditional UPDATE (the statement BoxOffice.take
 * runs) at the same concurrency against a copy of the tier row in the same PostgreSQL: the
 * ceiling for selling from one hot row, with nothing else around it.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { GraphQLHttp, inParallel, outcomeOf } from '../lib/load';
import { Samples, nowMs, round, type Distribution } from '../lib/stats';
import { perUnit, stackCpuMs, type CpuUsage, type CpuWatch } from '../lib/cpu';
import type { Account } from './setup';

export const PURCHASE = `mutation Purchase($input: PurchaseInput!) {
  purchaseTickets(input: $input) { id status totalCents tickets { id code } }
}`;

/** BoxOffice.take's statement, as the tickets service sends it (quantity as a parameter). */
export const INVENTORY_STATEMENT = (table: string, tierId: string) =>
  `UPDATE ${table} SET sold = sold + :quantity WHERE id = '${tierId}' AND NOT event_cancelled AND capacity - sold - held >= :quantity RETURNING *;`;

export interface RushOptions {
  routerUrl: string;
  ticketsDatabaseUrl: string;
  fans: Account[];
  warmUpFans: Account[];
  tier: { tierId: string; capacity: number };
  warmUpTierId: string;
  concurrency: number;
  /** Reads every process's CPU over the measured rush (warm-up excluded). */
  cpu?: CpuWatch;
  log: (message: string) => void;
}

export interface RushResult {
  fans: number;
  capacity: number;
  concurrency: number;
  seconds: number;
  /** Seconds from the first purchase sent to the last sale answered. */
  sellOutSeconds: number;
  /** Tickets sold per second while the tier sold out: the headline rate. */
  salesPerSecond: number;
  /** Purchase requests answered per second, sales and SOLD_OUT alike. */
  answersPerSecond: number;
  outcomes: Record<string, number>;
  latency: Distribution;
  salesLatency: Distribution;
  curve: Array<[number, number]>;
  /** CPU of every process over the rush window (first purchase sent to last answer). */
  cpu: CpuUsage | null;
  /** CPU ms per ticket sold, per process (refusals' cost included: the sold-out answers). */
  cpuMsPerSale: Record<string, number>;
  /** Tickets sold per second of CPU, counting the stack's processes (services, PostgreSQL, Kafka). */
  salesPerStackCoreSecond: number | null;
  /** Tickets sold per second of CPU, counting every busy core of the machine. */
  salesPerMachineCoreSecond: number | null;
  database: {
    capacity: number;
    sold: number;
    held: number;
    tickets: number;
    distinctOwners: number;
    orders: number;
  };
  oversold: number;
  undersold: number;
  /** Orders in the database whose buyer was answered with an error (should be 0). */
  soldButAnsweredError: number;
  errorExamples: string[];
}

export interface PgbenchResult {
  available: boolean;
  reason?: string;
  clients?: number;
  requestedClients?: number;
  threads?: number;
  seconds?: number;
  transactions?: number;
  tps?: number;
  latency?: Distribution;
  curve?: Array<[number, number]>;
  command?: string;
  /** Tickets sold on the copy: equals transactions when every UPDATE took a place. */
  soldOnCopy?: number;
}

const purchaseBody = (tierId: string, key: string) =>
  JSON.stringify({
    query: PURCHASE,
    variables: { input: { tierId, quantity: 1, idempotencyKey: key } },
  });

export async function runRush(options: RushOptions): Promise<RushResult> {
  const run = randomBytes(3).toString('hex');
  const client = new GraphQLHttp(options.routerUrl, options.concurrency, 120_000);
  try {
    // Warm-up on another event: query plans, token checks, pools. Not measured.
    const warm = await inParallel(options.warmUpFans, 50, (fan, i) =>
      client.post(purchaseBody(options.warmUpTierId, `warm-${run}-${i}`), fan.token),
    );
    const warmOk = warm.filter((a) => outcomeOf(a) === 'ok').length;
    if (warmOk < warm.length)
      throw new Error(
        `rush warm-up: ${warm.length - warmOk} of ${warm.length} purchases failed: ${JSON.stringify(warm.find((a) => outcomeOf(a) !== 'ok'))}`,
      );
    options.log(`  warm-up: ${warmOk} purchases on another event`);

    const all = new Samples();
    const sales = new Samples();
    const outcomes: Record<string, number> = {};
    const errorExamples: string[] = [];
    options.cpu?.begin();
    const started = nowMs();
    let lastSale = started;
    await inParallel(options.fans, options.concurrency, async (fan, i) => {
      const t0 = nowMs();
      const answer = await client.post(
        purchaseBody(options.tier.tierId, `rush-${run}-${i}`),
        fan.token,
      );
      const t1 = nowMs();
      const outcome = outcomeOf(answer);
      all.push(t1 - t0);
      outcomes[outcome] = (outcomes[outcome] ?? 0) + 1;
      if (outcome === 'ok') {
        sales.push(t1 - t0);
        if (t1 > lastSale) lastSale = t1;
      } else if (outcome !== 'SOLD_OUT' && errorExamples.length < 5) {
        errorExamples.push(answer.failure ?? JSON.stringify(answer.body?.errors).slice(0, 300));
      }
    });
    const seconds = (nowMs() - started) / 1000;
    const cpu = options.cpu?.end() ?? null;
    const sellOutSeconds = (lastSale - started) / 1000;
    const sold = outcomes.ok ?? 0;
    const stackMs = cpu ? stackCpuMs(cpu) : 0;

    const database = await countTier(options.ticketsDatabaseUrl, options.tier.tierId);
    const turnedAway = options.fans.length - sold;
    return {
      fans: options.fans.length,
      capacity: options.tier.capacity,
      concurrency: options.concurrency,
      seconds: round(seconds),
      sellOutSeconds: round(sellOutSeconds),
      salesPerSecond: round(sold / sellOutSeconds, 1),
      answersPerSecond: round(options.fans.length / seconds, 1),
      outcomes,
      latency: all.summary(),
      salesLatency: sales.summary(),
      curve: all.curve(),
      cpu,
      cpuMsPerSale: cpu ? perUnit(cpu, sold, 1) : {},
      salesPerStackCoreSecond: cpu && stackMs > 0 ? round(sold / (stackMs / 1000), 1) : null,
      salesPerMachineCoreSecond:
        cpu && cpu.machineBusyMs > 0 ? round(sold / (cpu.machineBusyMs / 1000), 1) : null,
      database,
      oversold: Math.max(
        0,
        database.tickets - database.capacity,
        database.sold + database.held - database.capacity,
      ),
      // Places still unsold although fans were turned away.
      undersold:
        turnedAway > 0 ? Math.max(0, database.capacity - database.sold - database.held) : 0,
      soldButAnsweredError: Math.max(0, database.tickets - sold),
      errorExamples,
    };
  } finally {
    client.close();
  }
}

async function countTier(databaseUrl: string, tierId: string): Promise<RushResult['database']> {
  const db = new Client({ connectionString: databaseUrl });
  await db.connect();
  try {
    const tier = (
      await db.query('SELECT capacity, sold, held FROM ticket_tiers WHERE id = $1', [tierId])
    ).rows[0] as {
      capacity: number;
      sold: number;
      held: number;
    };
    const tickets = (
      await db.query(
        `SELECT count(*)::int AS n, count(DISTINCT owner_id)::int AS owners FROM tickets WHERE tier_id = $1 AND status <> 'CANCELLED'`,
        [tierId],
      )
    ).rows[0] as { n: number; owners: number };
    const orders = (
      await db.query(
        `SELECT count(*)::int AS n FROM orders WHERE tier_id = $1 AND status = 'CONFIRMED'`,
        [tierId],
      )
    ).rows[0] as { n: number };
    return { ...tier, tickets: tickets.n, distinctOwners: tickets.owners, orders: orders.n };
  } finally {
    await db.end();
  }
}

function findPgbench(): string | undefined {
  const which = spawnSync(
    'sh',
    ['-c', 'command -v pgbench || echo "$(pg_config --bindir 2>/dev/null)/pgbench"'],
    {
      encoding: 'utf8',
    },
  );
  const path = which.stdout.trim().split('\n')[0];
  if (!path) return undefined;
  return spawnSync(path, ['--version'], { encoding: 'utf8' }).status === 0 ? path : undefined;
}

/**
 * pgbench on a copy of the rush tier's row (same table definition, constraints and indexes, in
 * a schema of its own in the tickets database), with room for every UPDATE to take a place.
 */
export async function runPgbench(options: {
  ticketsDatabaseUrl: string;
  tierId: string;
  concurrency: number;
  seconds: number;
  workDir: string;
  log: (message: string) => void;
}): Promise<PgbenchResult> {
  const pgbench = findPgbench();
  if (!pgbench) return { available: false, reason: 'pgbench is not installed on this machine' };
  const url = new URL(options.ticketsDatabaseUrl);
  const database = decodeURIComponent(url.pathname.slice(1));
  const copyTable = 'bench_pgbench.ticket_tiers';
  const db = new Client({ connectionString: options.ticketsDatabaseUrl });
  await db.connect();
  let clients = options.concurrency;
  try {
    await db.query('DROP SCHEMA IF EXISTS bench_pgbench CASCADE');
    await db.query('CREATE SCHEMA bench_pgbench');
    await db.query(`CREATE TABLE ${copyTable} (LIKE public.ticket_tiers INCLUDING ALL)`);
    await db.query(`INSERT INTO ${copyTable} SELECT * FROM public.ticket_tiers WHERE id = $1`, [
      options.tierId,
    ]);
    await db.query(`UPDATE ${copyTable} SET sold = 0, held = 0, capacity = 1000000`);
    // PostgreSQL's connection limit is shared with everyone on this server: take what is free.
    const { rows } = await db.query<{ free: number }>(
      `SELECT current_setting('max_connections')::int - current_setting('superuser_reserved_connections')::int
              - (SELECT count(*) FROM pg_stat_activity)::int - 10 AS free`,
    );
    clients = Math.max(1, Math.min(options.concurrency, rows[0].free));
  } finally {
    await db.end();
  }
  if (clients < options.concurrency)
    options.log(
      `  pgbench: ${clients} clients, not ${options.concurrency}: PostgreSQL's max_connections leaves no more free`,
    );

  const dir = join(options.workDir, 'pgbench');
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const script = join(dir, 'inventory.sql');
  writeFileSync(script, `\\set quantity 1\n${INVENTORY_STATEMENT(copyTable, options.tierId)}\n`);
  const threads = 2;
  const args = [
    '--no-vacuum',
    '--protocol=prepared',
    `--client=${clients}`,
    `--jobs=${threads}`,
    `--time=${options.seconds}`,
    `--file=${script}`,
    '--log',
    `--log-prefix=${join(dir, 'tx')}`,
    '-h',
    url.hostname,
    '-p',
    url.port || '5432',
    '-U',
    decodeURIComponent(url.username || 'postgres'),
    database,
  ];
  const result = spawnSync(pgbench, args, {
    encoding: 'utf8',
    env: {
      ...process.env,
      ...(url.password ? { PGPASSWORD: decodeURIComponent(url.password) } : {}),
    },
    timeout: (options.seconds + 60) * 1000,
  });
  const command = `pgbench ${args.map((a) => (a.includes(' ') ? `'${a}'` : a)).join(' ')}`;
  if (result.status !== 0)
    return {
      available: false,
      reason: `pgbench failed: ${(result.stderr || result.stdout || String(result.error)).trim().slice(-400)}`,
      command,
    };
  const tps = Number(
    /tps = ([\d.]+) \(without initial connection time\)/.exec(result.stdout)?.[1] ?? NaN,
  );
  const transactions = Number(
    /number of transactions actually processed: (\d+)/.exec(result.stdout)?.[1] ?? NaN,
  );
  // Per-transaction log lines: client_id transaction_no time_us script_no epoch epoch_us.
  const latency = new Samples();
  for (const file of readdirSync(dir).filter((f) => f.startsWith('tx.'))) {
    for (const line of readFileSync(join(dir, file), 'utf8').split('\n')) {
      const us = Number(line.split(' ')[2]);
      if (line && Number.isFinite(us)) latency.push(us / 1000);
    }
  }
  const check = new Client({ connectionString: options.ticketsDatabaseUrl });
  await check.connect();
  let soldOnCopy: number | undefined;
  try {
    soldOnCopy = ((await check.query(`SELECT sold FROM ${copyTable}`)).rows[0] as { sold: number })
      .sold;
    await check.query('DROP SCHEMA bench_pgbench CASCADE');
  } finally {
    await check.end();
  }
  return {
    available: true,
    clients,
    requestedClients: options.concurrency,
    threads,
    seconds: options.seconds,
    transactions,
    tps: round(tps, 1),
    latency: latency.summary(),
    curve: latency.curve(),
    command,
    soldOnCopy,
  };
}
