/** bench/RESULTS.md: every scenario beside its baseline, every target judged. */
import { isMeasured, MEMORY_TARGETS_MB, type BenchResults } from './report';
import { waitingRoomSection } from './report-waiting-room';
import { chatSection, costSection } from './report-cost';
import { fmt, outcomes, table, verdict } from './report-format';

export function renderMarkdown(results: BenchResults, chartFile: string, findings: string): string {
  const m = results.machine;
  const out: string[] = [];
  out.push('# Benchmark results');
  out.push('');
  out.push(
    `Written by \`npm run bench\` (scripts/bench.ts, scenarios in bench/scenarios/) on ${results.startedAt.slice(0, 16).replace('T', ' ')} UTC, ` +
      `${Math.round(results.totalSeconds)} s in all. Raw numbers: [results/${chartFile.replace('.svg', '.json')}](results/${chartFile.replace('.svg', '.json')}). ` +
      'Every scenario ran against real service processes (the same `dist/main.js` as `npm start`) with fresh throwaway databases, ' +
      'loopback only, each beside its baseline in the same run.',
  );
  out.push('');
  out.push('## Machine');
  out.push('');
  out.push(
    table(
      ['', ''],
      [
        ['cores (`nproc`)', String(m.nproc)],
        ['CPU', m.cpu],
        ['memory', `${m.memoryGiB} GiB`],
        ['OS', m.os],
        ['Node.js', m.node],
        ['PostgreSQL', m.postgres],
        ['Kafka', m.kafka],
        [
          'packages',
          Object.entries(m.packages)
            .map(([k, v]) => `${k} ${v}`)
            .join(', '),
        ],
        [
          'load average (1/5/15 min) at start → end',
          `${m.loadAverageAtStart.join(' / ')} → ${(m.loadAverageAtEnd ?? []).join(' / ')}`,
        ],
      ],
    ),
  );
  out.push('');
  out.push(
    'Everything (services, PostgreSQL, Kafka and the load generator) shares these cores, and other work on the machine moves absolute numbers from run to run; ' +
      'each comparison is made within one run, and the browse targets take turns in rotating rounds so that a burst of other work lands on all of them.',
  );
  out.push('');
  out.push('## Targets');
  out.push('');
  out.push(
    table(
      ['scenario', 'target', 'measured', 'ratio', 'verdict'],
      results.targets.map((t) => [
        t.scenario,
        t.target,
        t.measured,
        t.ratio === null ? '–' : fmt(t.ratio, 2),
        verdict(t),
      ]),
    ),
  );
  out.push('');
  out.push(`![Latency distributions](results/${chartFile})`);
  out.push('');

  const browse = results.browse;
  out.push('## 1. Browse');
  out.push('');
  if (isMeasured(browse)) {
    const s = results.settings;
    out.push(
      `The federated page query (\`events(first: ${String(s.browsePageSize)})\` with tiers and availability, organizer name and newest announcement: ` +
        `events, tickets, users and chat subgraphs) at ${String(s.browseConcurrency)} requests in flight, ${String(s.browseRounds)} rounds of ${Number(s.browseRoundMs) / 1000} s per target after a warm-up. ` +
        "Throughput counts full pages only (every event with its organizer's name and tiers).",
    );
    out.push('');
    const labels: Record<string, string> = {
      router: 'our router (Apollo Gateway)',
      'hive-gateway': 'Hive Gateway, same supergraph',
      'hive-router-runtime': 'Hive Gateway with the Rust query planner',
      'events-direct': 'events subgraph alone (its part; the floor)',
    };
    const all = [browse.router, browse.hive, browse.hiveRouterRuntime, browse.eventsDirect];
    const rows = all
      .flatMap((r) => (r === undefined ? [] : [r]))
      .map((r) =>
        isMeasured(r)
          ? [
              labels[r.name] ?? r.name,
              fmt(r.throughput),
              fmt(r.latency.p50Ms, 2),
              fmt(r.latency.p95Ms, 2),
              fmt(r.latency.p99Ms, 2),
              fmt(r.latency.maxMs, 1),
              String(r.requests),
              outcomes(r.outcomes),
            ]
          : ['Hive Gateway', 'not measurable', '', '', '', '', '', r.notMeasured],
      );
    out.push(
      table(
        ['target', 'pages/s', 'p50 ms', 'p95 ms', 'p99 ms', 'max ms', 'requests', 'answers'],
        rows,
      ),
    );
    for (const [hive, label] of [
      [browse.hive, 'Hive Gateway'],
      [browse.hiveRouterRuntime, 'Hive Gateway (Rust planner)'],
    ] as const)
      if (isMeasured(hive)) {
        out.push('');
        out.push(
          `Router ÷ ${label}: throughput ${fmt(browse.router.throughput / hive.throughput, 2)}×, p99 ${fmt(browse.router.latency.p99Ms / hive.latency.p99Ms, 2)}×.`,
        );
      }
    out.push('');
    out.push(
      `Router ÷ floor: throughput ${fmt(browse.router.throughput / browse.eventsDirect.throughput, 2)}×.`,
    );
  } else out.push(`Not measurable: ${browse?.notMeasured ?? 'not run'}.`);
  out.push('');

  const rush = results.rush;
  out.push('## 2. On-sale rush');
  out.push('');
  if (isMeasured(rush)) {
    const r = rush.stack;
    const p = rush.pgbench;
    out.push(
      `${r.fans} distinct fans (registered through the API beforehand: ${fmt(results.setup.registerAccounts, 0)} s at production password-hashing cost, not counted here), ` +
        `each buying one ticket of a tier of ${r.capacity}, ${r.concurrency} purchases in flight through the router. ` +
        `Rate = tickets sold ÷ time from the first purchase sent to the last sale answered (${fmt(r.sellOutSeconds, 2)} s). ` +
        `pgbench runs the inventory's conditional UPDATE (\`BoxOffice.take\`) on a copy of the tier row in the tickets database, with room for every UPDATE to take a place.`,
    );
    out.push('');
    out.push(
      table(
        ['', 'per second', 'p50 ms', 'p95 ms', 'p99 ms', 'max ms', 'count', 'answers'],
        [
          [
            'stack: purchases (sales)',
            fmt(r.salesPerSecond),
            fmt(r.salesLatency.p50Ms),
            fmt(r.salesLatency.p95Ms),
            fmt(r.salesLatency.p99Ms),
            fmt(r.salesLatency.maxMs),
            String(r.salesLatency.count),
            '',
          ],
          [
            'stack: all purchase answers',
            fmt(r.answersPerSecond),
            fmt(r.latency.p50Ms),
            fmt(r.latency.p95Ms),
            fmt(r.latency.p99Ms),
            fmt(r.latency.maxMs),
            String(r.latency.count),
            outcomes(r.outcomes),
          ],
          p.available && p.latency
            ? [
                `pgbench, ${p.clients} clients, ${p.seconds} s`,
                fmt(p.tps),
                fmt(p.latency.p50Ms, 2),
                fmt(p.latency.p95Ms, 2),
                fmt(p.latency.p99Ms, 2),
                fmt(p.latency.maxMs, 1),
                String(p.transactions),
                '',
              ]
            : ['pgbench', 'not measurable', '', '', '', '', '', p.reason ?? ''],
        ],
      ),
    );
    out.push('');
    out.push(
      `Tickets database after the rush: capacity ${r.database.capacity}, sold ${r.database.sold}, held ${r.database.held}, tickets ${r.database.tickets} ` +
        `(${r.database.distinctOwners} distinct owners), orders ${r.database.orders}. **Oversold ${r.oversold}, undersold ${r.undersold}**, ` +
        `sold but answered with an error ${r.soldButAnsweredError}.` +
        (p.available && p.tps ? ` Stack ÷ pgbench: ${fmt(r.salesPerSecond / p.tps, 3)}.` : ''),
    );
    if (p.available && p.requestedClients && p.clients !== p.requestedClients)
      out.push(
        `\npgbench ran ${p.clients} clients instead of ${p.requestedClients}: the shared PostgreSQL's max_connections left no more free.`,
      );
    if (r.errorExamples.length)
      out.push(`\nOther errors seen: ${r.errorExamples.map((e) => `\`${e}\``).join('; ')}`);
  } else out.push(`Not measurable: ${rush?.notMeasured ?? 'not run'}.`);
  out.push('');

  if (results.queue) out.push(...waitingRoomSection(results.queue));

  out.push(...chatSection(results));
  out.push(...costSection(results));

  out.push('## 5. Memory');
  out.push('');
  out.push(
    "Peak resident set size (MB = 10^6 bytes) of every process during each scenario: the higher of VmRSS sampled every 200 ms and the kernel's VmHWM, reset at the start of the scenario.",
  );
  out.push('');
  const scenarios = Object.keys(results.memory);
  const processes = [...new Set(scenarios.flatMap((s) => Object.keys(results.memory[s])))];
  out.push(
    table(
      ['process', ...scenarios, 'target'],
      processes.map((name) => [
        name,
        ...scenarios.map((s) => fmt(results.memory[s][name]?.peakMb)),
        MEMORY_TARGETS_MB[name] ? `< ${MEMORY_TARGETS_MB[name]}` : '(comparison only)',
      ]),
    ),
  );
  out.push('');
  out.push('## Setup (not measured)');
  out.push('');
  out.push(
    Object.entries(results.setup)
      .map(([k, v]) => `- ${k}: ${v} s`)
      .join('\n'),
  );
  out.push('');
  out.push(`Settings: \`${JSON.stringify(results.settings)}\``);
  out.push('');
  if (findings.trim()) {
    out.push(findings.trim());
    out.push('');
  }
  return out.join('\n');
}
