// `npm run bench`: issue 9's benchmarks on the real stack, each beside its baseline in the same
// run. Provisions PostgreSQL and Kafka like `npm test`, boots every service as its own process
// with fresh throwaway databases, creates the data through the API, runs browse, on-sale rush
// and chat fan-out while sampling every process's memory and CPU, and writes bench/results/<date>.json,
// bench/results/<date>.svg and bench/RESULTS.md. Never part of `npm test`. Loopback only, and
// bounded: every phase has a time limit, and the whole run is stopped after BENCH_MAX_MINUTES.
//
// Knobs (environment): BENCH_FANS, BENCH_RUSH_CAPACITY, BENCH_RUSH_CONCURRENCY,
// BENCH_QUEUE_FANS, BENCH_QUEUE_CAPACITY, BENCH_QUEUE_JOIN_SECONDS (the waiting room),
// BENCH_REGISTRATION_PARALLELISM (sign-ups in flight while setting up), BENCH_SUBSCRIBERS,
// BENCH_CHAT_RATES (the ladder, e.g. 10,20,50), BENCH_CHAT_STEP_SECONDS, BENCH_BROWSE_ROUND_SECONDS,
// BENCH_ONLY=browse,rush,queue,chat (a subset), BENCH_PROFILE=router,tickets,... (CPU profiles of
// those processes, written under .data/bench/stack/profiles/ when they stop), BENCH_MAX_MINUTES.
import { existsSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { startStack, type ServiceName, type Stack } from '@ko/platform/deployment';
import { ROOT, provisionInfrastructure, type Infrastructure } from './infrastructure';
import { describeMachine } from '../bench/lib/machine';
import { MemoryWatch, type PeakMemory } from '../bench/lib/memory';
import { CpuWatch, LOAD_GENERATOR } from '../bench/lib/cpu';
import {
  benchDatabasePrefix,
  dropLeftoverBenchDatabases,
  kafkaPids,
  postgresBackends,
  profilerEnv,
  single,
  startComparisons,
  type Sidecar,
} from '../bench/lib/processes';
import { failure, type BenchResults, type NotMeasured } from '../bench/lib/report';
import { writeReport } from '../bench/lib/report-files';
import {
  BROWSE_EVENTS_PART,
  BROWSE_QUERY,
  runBrowse,
  type BrowseTarget,
} from '../bench/scenarios/browse';
import { runChatScenario } from '../bench/scenarios/chat';
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
  registrationParallelism: num('BENCH_REGISTRATION_PARALLELISM', 4),
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
  /**
   * A pause before each scenario: the previous one's departures (the waiting room's
   * 5,000 sockets closing) and what follows from them (the subscriptions service giving back
   * their heap) are that scenario's, not counted in the next one's memory.
   */
  settleMs: 5_000,
  /** The chat's ladder of message rates; 50 is issue 9's headline rate. */
  chatRates: (process.env.BENCH_CHAT_RATES ?? '5,10,15,20,30,40,50,75,100,150,200,300,400')
    .split(',')
    .map(Number)
    .filter((n) => n > 0),
  chatStepMs: num('BENCH_CHAT_STEP_SECONDS', 6) * 1000,
  chatDrainMs: 8_000,
  /** Enough posters that the chat's 10 messages per user per 10 s allows 400 messages a second. */
  chatPosters: 400,
  /** The Kafka round trip's rate (the baseline under the stack's delivery). */
  kafkaRatePerSecond: 50,
  kafkaMs: 10_000,
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
const settle = () => new Promise((resolve) => setTimeout(resolve, settings.settleMs));
const maxMinutes = num('BENCH_MAX_MINUTES', 25);

const SERVICES: ServiceName[] = ['users', 'events', 'tickets', 'chat', 'subscriptions', 'router'];

async function main(): Promise<number> {
  const startedAt = new Date();
  const dataDir = join(ROOT, '.data', 'bench');
  const workDir = join(dataDir, 'stack');
  const running: {
    infra?: Infrastructure;
    stack?: Stack;
    sidecars: Sidecar[];
    backends?: ReturnType<typeof postgresBackends>;
  } = { sidecars: [] };
  const cleanUp = async () => {
    for (const sidecar of running.sidecars) await sidecar.process.stop();
    await running.backends?.stop();
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
      if (profile.has(name)) serviceEnv[name] = profilerEnv(ROOT, name, workDir);
    log(`starting ${services.join(', ')}…`);
    const databasePrefix = benchDatabasePrefix();
    const t0 = Date.now();
    const stack = (running.stack = await startStack({
      postgresUrl: infra.postgres.url,
      kafkaBrokers: infra.kafkaBrokers,
      kafkaCredentials: infra.kafkaCredentials,
      services,
      databasePrefix,
      workDir,
      serviceEnv,
      logLevel: process.env.LOG_LEVEL ?? 'info',
    }));
    const setup: Record<string, number> = { startStack: Math.round((Date.now() - t0) / 100) / 10 };
    log(`stack up in ${setup.startStack} s: ${stack.routerUrl}`);

    // The comparisons beside the stack: Hive Gateway in both runtimes, and the chat's floor.
    const sidecars = await startComparisons({
      root: ROOT,
      stack,
      workDir,
      profileHive: profile.has('hive'),
      setup,
      log,
      onStarted: (sidecar) => running.sidecars.push(sidecar),
    });
    const started = (name: string) => {
      const sidecar = sidecars[name];
      return sidecar && 'process' in sidecar ? sidecar : undefined;
    };
    const sidecarNames = Object.keys(sidecars).filter((name) => started(name));

    const memory = new MemoryWatch([
      ...services.map((name) => ({ name, pid: () => stack.instances(name)[0]?.pid })),
      ...sidecarNames.map((name) => ({ name, pid: () => started(name)?.process.pid })),
    ]);
    running.backends = postgresBackends(infra.postgres.url, databasePrefix);
    const cpu = new CpuWatch([
      ...services.map((name) => single(name, () => stack.instances(name)[0]?.pid)),
      ...sidecarNames.map((name) => single(name, () => started(name)?.process.pid)),
      { name: 'postgres backends', pids: running.backends.pids },
      ...(infra.kafka ? [{ name: 'kafka', pids: kafkaPids(dataDir) }] : []),
      single(LOAD_GENERATOR, () => process.pid),
    ]);
    const peaks: Record<string, Record<string, PeakMemory>> = {};

    memory.begin();
    const catalogue = await createCatalogue({
      routerUrl: stack.routerUrl,
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
      await settle();
      memory.begin();
      try {
        const targets: BrowseTarget[] = [
          { name: 'router', url: stack.routerUrl, query: BROWSE_QUERY },
          ...(['hive-gateway', 'hive-router-runtime'] as const).flatMap((name) => {
            const hive = started(name);
            return hive ? [{ name, url: hive.url, query: BROWSE_QUERY }] : [];
          }),
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
          cpu,
          log,
        });
        const byName = Object.fromEntries(measured.map((r) => [r.name, r]));
        results.browse = {
          router: byName.router,
          hive: byName['hive-gateway'] ?? (sidecars['hive-gateway'] as NotMeasured),
          hiveRouterRuntime:
            byName['hive-router-runtime'] ?? (sidecars['hive-router-runtime'] as NotMeasured),
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
      await settle();
      memory.begin();
      try {
        const stackRush = await runRush({
          routerUrl: stack.routerUrl,
          ticketsDatabaseUrl: stack.databaseUrls.tickets!,
          fans: catalogue.fans,
          warmUpFans: catalogue.fans.slice(0, 200),
          tier: { tierId: catalogue.rush.tierId, capacity: catalogue.rush.capacity },
          warmUpTierId: catalogue.warmUp.tierId,
          concurrency: settings.rushConcurrency,
          cpu,
          log,
        });
        peaks.rush = memory.end();
        log(
          `  stack: ${stackRush.salesPerSecond} sales/s, p99 ${stackRush.latency.p99Ms} ms, oversold ${stackRush.oversold}, undersold ${stackRush.undersold}`,
        );
        log(
          `  CPU ms per sale: ${Object.entries(stackRush.cpuMsPerSale)
            .map(([k, v]) => `${k} ${v}`)
            .join(', ')}; ${stackRush.salesPerStackCoreSecond} sales per stack core-second`,
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
      await settle();
      memory.begin();
      try {
        const queue = await runWaitingRoom({
          routerUrl: stack.routerUrl,
          websocketUrl: stack.routerUrl.replace(/^http/, 'ws'),
          ticketsDatabaseUrl: stack.databaseUrls.tickets!,
          organizer: catalogue.organizers[0]!,
          fans: catalogue.fans.slice(0, settings.queueFans),
          capacity: settings.queueCapacity,
          joinWindowMs: settings.queueJoinMs,
          rushP99Ms:
            results.rush && 'stack' in results.rush ? results.rush.stack.latency.p99Ms : undefined,
          cpu,
          log,
        });
        results.queue = queue;
        log(
          `  purchases p99 ${queue.purchaseLatency.p99Ms} ms (rush ${queue.rushP99Ms ?? '–'}), told p99 ${queue.toldAfterSellOut.p99Ms} ms, ρ ${queue.fairnessCorrelation} over ${queue.earlyJoiners} drawn (${queue.drawnAnsweredAfterStart} answered after the start, admitted ${queue.admittedShare.answeredAfterStart} vs ${queue.admittedShare.answeredBeforeStart}; ${queue.askedBeforeStartOutOfDraw} out of the draw; drawn ${queue.drawSecondsAfterStart} s after the start), oversold ${queue.oversold}, undersold ${queue.undersold}`,
        );
      } catch (error) {
        results.queue = failure(error);
        log(`queue failed: ${results.queue.notMeasured}`);
      }
      peaks.queue = memory.end();
    }

    if (only.has('chat')) {
      log(
        `chat: ${settings.subscribers} subscribers each on the stack and the floor, ${settings.chatStepMs / 1000} s steps at ${settings.chatRates.join(', ')} msg/s`,
      );
      await settle();
      memory.begin();
      results.chat = await runChatScenario({
        routerUrl: stack.routerUrl,
        subscriptionsUrl: services.includes('subscriptions') ? stack.urls.subscriptions : undefined,
        floor: sidecars['chat-floor'] ?? { notMeasured: 'not started' },
        eventId: catalogue.chatEventId,
        posters: catalogue.fans.slice(0, settings.chatPosters),
        subscribers: settings.subscribers,
        rates: settings.chatRates,
        stepMs: settings.chatStepMs,
        drainMs: settings.chatDrainMs,
        kafka: { brokers: infra.kafkaBrokers.split(','), login: infra.kafkaCredentials.admin },
        kafkaRatePerSecond: settings.kafkaRatePerSecond,
        kafkaMs: settings.kafkaMs,
        cpu,
        log,
      }).catch(failure);
      peaks.chat = memory.end();
      if ('notMeasured' in results.chat) log(`chat failed: ${results.chat.notMeasured}`);
    }

    machine.loadAverageAtEnd = os.loadavg().map((n) => Math.round(n * 100) / 100);
    const finishedAt = new Date();
    const complete = {
      ...results,
      finishedAt: finishedAt.toISOString(),
      totalSeconds: Math.round((finishedAt.getTime() - startedAt.getTime()) / 1000),
    };
    const report = await writeReport(ROOT, complete, startedAt);
    console.log('');
    for (const t of report.targets)
      console.log(
        `  ${t.met === null ? 'n/a    ' : t.met ? 'MET    ' : 'NOT MET'}  ${t.scenario.padEnd(7)} ${t.target}: ${t.measured}${t.ratio === null ? '' : ` (ratio ${t.ratio})`}`,
      );
    console.log('');
    log(`wrote bench/results/ and bench/RESULTS.md in ${report.totalSeconds} s`);
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
