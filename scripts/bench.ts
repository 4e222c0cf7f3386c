// `npm run bench`: issue 9's benchmarks on the real stack, each beside its baseline in the same
// run. Provisions PostgreSQL and Kafka like `npm test`, boots every service as its own process
// with fresh throwaway databases, creates the data through the API, runs browse, on-sale rush
// and chat fan-out while sampling every process's memory, and writes bench/results/<date>.json,
// bench/results/<date>.svg and bench/RESULTS.md. Never part of `npm test`. Loopback only, and
// bounded: every phase has a time limit, and the whole run is stopped after BENCH_MAX_MINUTES.
//
// Knobs (environment): BENCH_FANS, BENCH_RUSH_CAPACITY, BENCH_RUSH_CONCURRENCY,
// BENCH_QUEUE_FANS, BENCH_QUEUE_CAPACITY, BENCH_QUEUE_JOIN_SECONDS (the waiting room),
// BENCH_SUBSCRIBERS, BENCH_CHAT_RATE, BENCH_CHAT_SECONDS, BENCH_BROWSE_ROUND_SECONDS,
// BENCH_ONLY=browse,rush,queue,chat (a subset), BENCH_PROFILE=gateway,tickets,... (CPU profiles of
// those processes, written under .data/bench/stack/profiles/ when they stop), BENCH_MAX_MINUTES.
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join, relative } from 'node:path';
import { Client } from 'pg';
import { readServiceList } from '@ko/platform';
import {
  ManagedProcess,
  freePort,
  startStack,
  type ServiceName,
  type Stack,
} from '@ko/platform/deployment';
import { composeSupergraph } from '../supergraph/src/composition';
import { ROOT, provisionInfrastructure, type Infrastructure } from './infrastructure';
import { describeMachine } from '../bench/lib/machine';
import { MemoryWatch, type PeakMemory } from '../bench/lib/memory';
import {
  judge,
  renderMarkdown,
  renderSvg,
  type BenchResults,
  type NotMeasured,
} from '../bench/lib/report';
import {
  BROWSE_EVENTS_PART,
  BROWSE_QUERY,
  runBrowse,
  type BrowseTarget,
} from '../bench/scenarios/browse';
import { runChat, runKafkaRoundTrip } from '../bench/scenarios/chat-fanout';
import { runPgbench, runRush } from '../bench/scenarios/rush';
import { createCatalogue } from '../bench/scenarios/setup';
import { runWaitingRoom } from '../bench/scenarios/waiting-room';

const log = (message: string) => console.log(`[bench] ${message}`);
const num = (name: string, fallback: number) => {
  const value = Number(process.env[name] ?? fallback);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`${name} must be a positive number`);
  return value;
};

const settings = {
  fans: num('BENCH_FANS', 5_000),
  // Hashing runs one per core in users: more at once only queue there, past the router's timeout
  // on a busy machine, without registering any faster.
  registrationParallelism: 4,
  rushCapacity: num('BENCH_RUSH_CAPACITY', 1_000),
  rushConcurrency: num('BENCH_RUSH_CONCURRENCY', 200),
  /** The waiting-room on-sale (BENCH_ONLY queue): its fans (of those registered), tier, join window. */
  queueFans: num('BENCH_QUEUE_FANS', num('BENCH_FANS', 5_000)),
  queueCapacity: num('BENCH_QUEUE_CAPACITY', 1_000),
  queueJoinMs: num('BENCH_QUEUE_JOIN_SECONDS', 30) * 1000,
  pgbenchSeconds: 10,
  browsePageSize: 20,
  browseEvents: 40,
  browseConcurrency: 16,
  browseWarmUpMs: 3_000,
  browseRounds: 3,
  browseRoundMs: num('BENCH_BROWSE_ROUND_SECONDS', 8) * 1000,
  browseMaxRequestsPerRound: 100_000,
  subscribers: num('BENCH_SUBSCRIBERS', 1_000),
  chatRatePerSecond: num('BENCH_CHAT_RATE', 50),
  chatMs: num('BENCH_CHAT_SECONDS', 15) * 1000,
  chatDrainMs: 15_000,
  chatPosters: 100,
};
const only = new Set(
  (process.env.BENCH_ONLY ?? 'browse,rush,queue,chat').split(',').map((s) => s.trim()),
);
const profile = new Set(
  (process.env.BENCH_PROFILE ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean),
);
const maxMinutes = num('BENCH_MAX_MINUTES', 25);

const SERVICES: ServiceName[] = ['users', 'events', 'tickets', 'chat', 'subscriptions', 'gateway'];

/** Environment that makes a process write a CPU profile when it exits (see bench/cpu-profile.cjs). */
const profilerEnv = (name: string, workDir: string): Record<string, string> => ({
  NODE_OPTIONS: `--require ${join(ROOT, 'bench', 'cpu-profile.cjs')}`,
  KO_CPU_PROFILE_DIR: join(workDir, 'profiles'),
  KO_CPU_PROFILE_NAME: name,
});

/**
 * The bench's databases are named bench<hex>_<service>: `npm test` drops leftover t<hex>_*
 * databases when it starts, and must not drop these from under a running bench.
 */
const BENCH_DATABASES = /^bench[0-9a-f]{8}_/;

/** Databases left by an earlier bench that was killed before it could drop them. */
async function dropLeftoverBenchDatabases(postgresUrl: string): Promise<void> {
  const db = new Client({ connectionString: postgresUrl });
  await db.connect();
  try {
    const { rows } = await db.query<{ datname: string }>('SELECT datname FROM pg_database');
    // Without FORCE: a database still in use belongs to another bench running on this server.
    for (const { datname } of rows.filter((r) => BENCH_DATABASES.test(r.datname)))
      await db.query(`DROP DATABASE IF EXISTS "${datname}"`).catch(() => undefined);
  } finally {
    await db.end();
  }
}

const failure = (error: unknown): NotMeasured => ({
  notMeasured: error instanceof Error ? error.message : String(error),
});

async function startHiveGateway(
  stack: Stack,
  workDir: string,
): Promise<{ process: ManagedProcess; url: string }> {
  // The same supergraph our router composes, from the same service list and schema files.
  const sdlFile = join(workDir, 'supergraph.graphql');
  writeFileSync(sdlFile, composeSupergraph(readServiceList(stack.serviceListPath)));
  const port = await freePort();
  const hive = new ManagedProcess({
    name: 'hive-gateway',
    command: process.execPath,
    args: ['--enable-source-maps', '--import', 'tsx', join(ROOT, 'bench', 'hive-gateway.ts')],
    cwd: ROOT,
    env: {
      // Whatever our services run under, so neither router gets a different mode of graphql-js.
      NODE_ENV: process.env.NODE_ENV === 'production' ? 'production' : 'development',
      SUPERGRAPH_FILE: sdlFile,
      PORT: String(port),
      ...(profile.has('hive') ? profilerEnv('hive-gateway', workDir) : {}),
    },
    logFile: join(workDir, 'logs', 'hive-gateway.log'),
    healthUrl: `http://127.0.0.1:${port}/health`,
  });
  await hive.start(60_000);
  return { process: hive, url: `http://127.0.0.1:${port}/graphql` };
}

async function main(): Promise<number> {
  const startedAt = new Date();
  const dataDir = join(ROOT, '.data', 'bench');
  const workDir = join(dataDir, 'stack');
  const running: { infra?: Infrastructure; stack?: Stack; hive?: ManagedProcess } = {};
  const cleanUp = async () => {
    await running.hive?.stop();
    await running.stack
      ?.stop({ dropDatabases: true })
      .catch((error: unknown) => log(`stopping the stack: ${String(error)}`));
    await running.infra?.stop();
  };
  // The whole run is bounded: past the limit, stop everything and fail.
  const watchdog = setTimeout(() => {
    log(`over ${maxMinutes} minutes: stopping`);
    void cleanUp().finally(() => process.exit(1));
  }, maxMinutes * 60_000);
  watchdog.unref();
  let interrupted = false;
  const onSignal = () => {
    if (interrupted) process.exit(1);
    interrupted = true;
    log('interrupted: stopping');
    void cleanUp().finally(() => process.exit(1));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  try {
    const infra = (running.infra = await provisionInfrastructure({
      dataDir,
      log,
      embeddedPostgresPort: 5435,
    }));
    await dropLeftoverBenchDatabases(infra.postgres.url);
    const machine = await describeMachine(ROOT, infra.postgres.url, infra.kafka !== undefined);
    log(
      `${machine.nproc} cores, ${machine.memoryGiB} GiB, Node ${machine.node}, ${machine.postgres}, ${machine.kafka}`,
    );

    const services = SERVICES.filter(
      (s) => s !== 'subscriptions' || existsSync(join(ROOT, 'subscriptions', 'dist', 'main.js')),
    );
    const serviceEnv: Partial<Record<ServiceName, Record<string, string>>> = {};
    for (const name of services)
      if (profile.has(name)) serviceEnv[name] = profilerEnv(name, workDir);
    log(`starting ${services.join(', ')}…`);
    let t0 = Date.now();
    const stack = (running.stack = await startStack({
      postgresUrl: infra.postgres.url,
      kafkaBrokers: infra.kafkaBrokers,
      kafkaCredentials: infra.kafkaCredentials,
      services,
      databasePrefix: `bench${randomBytes(4).toString('hex')}`,
      workDir,
      serviceEnv,
      logLevel: process.env.LOG_LEVEL ?? 'info',
    }));
    const setup: Record<string, number> = { startStack: Math.round((Date.now() - t0) / 100) / 10 };
    log(`stack up in ${setup.startStack} s: ${stack.gatewayUrl}`);

    let hive: { process: ManagedProcess; url: string } | NotMeasured;
    try {
      t0 = Date.now();
      hive = await startHiveGateway(stack, workDir);
      running.hive = hive.process;
      setup.startHiveGateway = Math.round((Date.now() - t0) / 100) / 10;
      log(`Hive Gateway up in ${setup.startHiveGateway} s: ${hive.url}`);
    } catch (error) {
      hive = failure(error);
      log(`Hive Gateway did not start on Node ${process.version}: ${hive.notMeasured}`);
    }

    const memory = new MemoryWatch([
      ...services.map((name) => ({ name, pid: () => stack.instances(name)[0]?.pid })),
      ...('process' in hive
        ? [{ name: 'hive-gateway', pid: () => (hive as { process: ManagedProcess }).process.pid }]
        : []),
    ]);
    const peaks: Record<string, Record<string, PeakMemory>> = {};

    memory.begin();
    const catalogue = await createCatalogue({
      gatewayUrl: stack.gatewayUrl,
      fans: settings.fans,
      rushCapacity: settings.rushCapacity,
      registrationParallelism: settings.registrationParallelism,
      browseEvents: settings.browseEvents,
      log,
    });
    peaks.setup = memory.end();
    Object.assign(setup, catalogue.timings);

    const results: Omit<BenchResults, 'targets' | 'finishedAt' | 'totalSeconds'> = {
      benchmark: 'ko-ticket-master',
      startedAt: startedAt.toISOString(),
      machine,
      settings: { ...settings, scenarios: [...only], profiled: [...profile] },
      setup,
      memory: peaks,
    };

    if (only.has('browse')) {
      log(
        `browse: ${settings.browseConcurrency} in flight, ${settings.browseRounds} rounds × ${settings.browseRoundMs / 1000} s per target`,
      );
      memory.begin();
      try {
        const targets: BrowseTarget[] = [
          { name: 'router', url: stack.gatewayUrl, query: BROWSE_QUERY },
          ...('url' in hive
            ? [{ name: 'hive-gateway' as const, url: hive.url, query: BROWSE_QUERY }]
            : []),
          { name: 'events-direct', url: stack.urls.events!, query: BROWSE_EVENTS_PART },
        ];
        const measured = await runBrowse({
          targets,
          pageSize: settings.browsePageSize,
          concurrency: settings.browseConcurrency,
          warmUpMs: settings.browseWarmUpMs,
          rounds: settings.browseRounds,
          roundMs: settings.browseRoundMs,
          maxRequestsPerRound: settings.browseMaxRequestsPerRound,
          log,
        });
        const byName = Object.fromEntries(measured.map((r) => [r.name, r]));
        results.browse = {
          router: byName.router,
          hive: byName['hive-gateway'] ?? (hive as NotMeasured),
          eventsDirect: byName['events-direct'],
        };
      } catch (error) {
        results.browse = failure(error);
        log(`browse failed: ${results.browse.notMeasured}`);
      }
      peaks.browse = memory.end();
    }

    if (only.has('rush')) {
      log(
        `rush: ${settings.fans} fans, a tier of ${settings.rushCapacity}, ${settings.rushConcurrency} in flight`,
      );
      memory.begin();
      try {
        const stackRush = await runRush({
          gatewayUrl: stack.gatewayUrl,
          ticketsDatabaseUrl: stack.databaseUrls.tickets!,
          fans: catalogue.fans,
          warmUpFans: catalogue.fans.slice(0, 200),
          tier: { tierId: catalogue.rush.tierId, capacity: catalogue.rush.capacity },
          warmUpTierId: catalogue.warmUp.tierId,
          concurrency: settings.rushConcurrency,
          log,
        });
        peaks.rush = memory.end();
        log(
          `  stack: ${stackRush.salesPerSecond} sales/s, p99 ${stackRush.latency.p99Ms} ms, oversold ${stackRush.oversold}, undersold ${stackRush.undersold}`,
        );
        const pgbench = await runPgbench({
          ticketsDatabaseUrl: stack.databaseUrls.tickets!,
          tierId: catalogue.rush.tierId,
          concurrency: settings.rushConcurrency,
          seconds: settings.pgbenchSeconds,
          workDir: dataDir,
          log,
        });
        log(
          pgbench.available
            ? `  pgbench: ${pgbench.tps} tps with ${pgbench.clients} clients, p99 ${pgbench.latency?.p99Ms} ms`
            : `  pgbench: ${pgbench.reason}`,
        );
        results.rush = { stack: stackRush, pgbench };
      } catch (error) {
        peaks.rush ??= memory.end();
        results.rush = failure(error);
        log(`rush failed: ${results.rush.notMeasured}`);
      }
    }

    if (only.has('queue')) {
      log(
        `queue: ${settings.queueFans} fans join a waiting room over ${settings.queueJoinMs / 1000} s, a tier of ${settings.queueCapacity}`,
      );
      memory.begin();
      try {
        const queue = await runWaitingRoom({
          gatewayUrl: stack.gatewayUrl,
          websocketUrl: stack.gatewayUrl.replace(/^http/, 'ws'),
          ticketsDatabaseUrl: stack.databaseUrls.tickets!,
          organizer: catalogue.organizers[0]!,
          fans: catalogue.fans.slice(0, settings.queueFans),
          capacity: settings.queueCapacity,
          joinWindowMs: settings.queueJoinMs,
          rushP99Ms:
            results.rush && 'stack' in results.rush ? results.rush.stack.latency.p99Ms : undefined,
          log,
        });
        results.queue = queue;
        log(
          `  purchases p99 ${queue.purchaseLatency.p99Ms} ms (rush ${queue.rushP99Ms ?? '–'}), told p99 ${queue.toldAfterSellOut.p99Ms} ms, ρ ${queue.fairnessCorrelation}, oversold ${queue.oversold}, undersold ${queue.undersold}`,
        );
      } catch (error) {
        results.queue = failure(error);
        log(`queue failed: ${results.queue.notMeasured}`);
      }
      peaks.queue = memory.end();
    }

    if (only.has('chat')) {
      log(
        `chat: ${settings.subscribers} subscribers, ${settings.chatRatePerSecond} messages/s for ${settings.chatMs / 1000} s`,
      );
      if (!services.includes('subscriptions')) {
        results.chat = {
          notMeasured: 'the subscriptions service is not built (subscriptions/dist/main.js)',
        };
      } else {
        memory.begin();
        try {
          const stackChat = await runChat({
            gatewayUrl: stack.gatewayUrl,
            websocketUrl: stack.gatewayUrl.replace(/^http/, 'ws'),
            statsUrl: stack.urls.subscriptions!.replace(/\/graphql$/, '/stats'),
            eventId: catalogue.chatEventId,
            posters: catalogue.fans.slice(0, settings.chatPosters),
            subscribers: settings.subscribers,
            ratePerSecond: settings.chatRatePerSecond,
            durationMs: settings.chatMs,
            drainMs: settings.chatDrainMs,
            log,
          });
          peaks.chat = memory.end();
          log(
            `  stack: p50 ${stackChat.latency.p50Ms} ms, p99 ${stackChat.latency.p99Ms} ms, lost ${stackChat.lost} of ${stackChat.expectedDeliveries}`,
          );
          let kafka: Awaited<ReturnType<typeof runKafkaRoundTrip>> | NotMeasured;
          try {
            kafka = await runKafkaRoundTrip({
              brokers: infra.kafkaBrokers.split(','),
              login: infra.kafkaCredentials.admin,
              ratePerSecond: settings.chatRatePerSecond,
              durationMs: settings.chatMs,
              drainMs: settings.chatDrainMs,
              log,
            });
            log(
              `  kafka: p50 ${kafka.latency.p50Ms} ms, p99 ${kafka.latency.p99Ms} ms, lost ${kafka.lost}`,
            );
          } catch (error) {
            kafka = failure(error);
          }
          results.chat = { stack: stackChat, kafka };
        } catch (error) {
          peaks.chat ??= memory.end();
          results.chat = failure(error);
          log(`chat failed: ${results.chat.notMeasured}`);
        }
      }
    }

    machine.loadAverageAtEnd = os.loadavg().map((n) => Math.round(n * 100) / 100);
    const finishedAt = new Date();
    const complete = {
      ...results,
      finishedAt: finishedAt.toISOString(),
      totalSeconds: Math.round((finishedAt.getTime() - startedAt.getTime()) / 1000),
    };
    const report: BenchResults = { ...complete, targets: judge(complete) };

    const date = startedAt.toISOString().slice(0, 10);
    const resultsDir = join(ROOT, 'bench', 'results');
    mkdirSync(resultsDir, { recursive: true });
    const jsonFile = join(resultsDir, `${date}.json`);
    const svgFile = join(resultsDir, `${date}.svg`);
    writeFileSync(jsonFile, `${JSON.stringify(report, null, 2)}\n`);
    writeFileSync(svgFile, renderSvg(report));
    const findingsFile = join(ROOT, 'bench', 'FINDINGS.md');
    const findings = existsSync(findingsFile) ? readFileSync(findingsFile, 'utf8') : '';
    writeFileSync(
      join(ROOT, 'bench', 'RESULTS.md'),
      renderMarkdown(report, `${date}.svg`, findings),
    );

    console.log('');
    for (const t of report.targets)
      console.log(
        `  ${t.met === null ? 'n/a    ' : t.met ? 'MET    ' : 'NOT MET'}  ${t.scenario.padEnd(7)} ${t.target}: ${t.measured}${t.ratio === null ? '' : ` (ratio ${t.ratio})`}`,
      );
    console.log('');
    log(
      `wrote ${relative(ROOT, jsonFile)}, ${relative(ROOT, svgFile)} and bench/RESULTS.md in ${report.totalSeconds} s`,
    );
    return 0;
  } finally {
    clearTimeout(watchdog);
    await cleanUp();
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(
      `[bench] ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
    );
    process.exit(1);
  },
);
