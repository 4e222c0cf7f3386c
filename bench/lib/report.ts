/**
 * The bench's outputs: the results as JSON, a Markdown page (bench/RESULTS.md) with each
 * scenario beside its baseline and every target judged, and an SVG of the latency
 * distributions drawn by hand (no chart library).
 */
import type { BrowseTargetResult } from '../scenarios/browse';
import type { ChatResult, KafkaRoundTripResult } from '../scenarios/chat-fanout';
import type { PgbenchResult, RushResult } from '../scenarios/rush';
import type { WaitingRoomResult } from '../scenarios/waiting-room';
import { judgeWaitingRoom, waitingRoomSection } from './report-waiting-room';
import type { Machine } from './machine';
import type { PeakMemory } from './memory';
import { CHART_PERCENTILES, round } from './stats';

export interface NotMeasured {
  notMeasured: string;
}

export interface BenchResults {
  benchmark: 'ko-ticket-master';
  startedAt: string;
  finishedAt: string;
  totalSeconds: number;
  machine: Machine;
  settings: Record<string, unknown>;
  setup: Record<string, number>;
  browse?:
    | {
        router: BrowseTargetResult;
        hive: BrowseTargetResult | NotMeasured;
        eventsDirect: BrowseTargetResult;
      }
    | NotMeasured;
  rush?: { stack: RushResult; pgbench: PgbenchResult } | NotMeasured;
  /** The on-sale with a waiting room (scenario 2b), beside the rush. */
  queue?: WaitingRoomResult | NotMeasured;
  chat?: { stack: ChatResult; kafka: KafkaRoundTripResult | NotMeasured } | NotMeasured;
  /** Peak RSS per scenario and process. */
  memory: Record<string, Record<string, PeakMemory>>;
  targets: Target[];
}

export interface Target {
  scenario: string;
  target: string;
  measured: string;
  /** The measured ratio against the target's reference (1 when exactly on it). */
  ratio: number | null;
  met: boolean | null;
}

export const MEMORY_TARGETS_MB: Record<string, number> = {
  gateway: 250,
  users: 200,
  events: 200,
  tickets: 200,
  chat: 200,
  subscriptions: 200,
};

const isMeasured = <T extends object>(x: T | NotMeasured | undefined): x is T =>
  !!x && !('notMeasured' in x);

/** Every target of issue 9, judged on the numbers measured; none is loosened. */
export function judge(results: Omit<BenchResults, 'targets'>): Target[] {
  const targets: Target[] = [];
  const browse = results.browse;
  if (isMeasured(browse) && isMeasured(browse.hive)) {
    const t = browse.router.throughput / browse.hive.throughput;
    targets.push({
      scenario: 'browse',
      target: "router throughput ≥ Hive Gateway's",
      measured: `${browse.router.throughput} vs ${browse.hive.throughput} req/s`,
      ratio: round(t, 2),
      met: t >= 1,
    });
    const p = browse.router.latency.p99Ms / browse.hive.latency.p99Ms;
    targets.push({
      scenario: 'browse',
      target: "router p99 ≤ Hive Gateway's",
      measured: `${browse.router.latency.p99Ms} vs ${browse.hive.latency.p99Ms} ms`,
      ratio: round(p, 2),
      met: p <= 1,
    });
  } else {
    const why = !browse
      ? 'not run'
      : 'notMeasured' in browse
        ? browse.notMeasured
        : (browse.hive as NotMeasured).notMeasured;
    targets.push({
      scenario: 'browse',
      target: "router throughput ≥ Hive Gateway's, p99 no worse",
      measured: `not measurable: ${why}`,
      ratio: null,
      met: null,
    });
  }
  const rush = results.rush;
  if (isMeasured(rush)) {
    if (rush.pgbench.available && rush.pgbench.tps) {
      const r = rush.stack.salesPerSecond / rush.pgbench.tps;
      targets.push({
        scenario: 'rush',
        target: "≥ 40% of pgbench's single-row rate",
        measured: `${rush.stack.salesPerSecond} vs ${rush.pgbench.tps} per s`,
        ratio: round(r, 3),
        met: r >= 0.4,
      });
    } else {
      targets.push({
        scenario: 'rush',
        target: "≥ 40% of pgbench's single-row rate",
        measured: `not measurable: ${rush.pgbench.reason}`,
        ratio: null,
        met: null,
      });
    }
    targets.push({
      scenario: 'rush',
      target: 'oversold = 0',
      measured: String(rush.stack.oversold),
      ratio: null,
      met: rush.stack.oversold === 0,
    });
    targets.push({
      scenario: 'rush',
      target: 'undersold = 0',
      measured: String(rush.stack.undersold),
      ratio: null,
      met: rush.stack.undersold === 0,
    });
  } else {
    targets.push({
      scenario: 'rush',
      target: "≥ 40% of pgbench's rate, zero oversold",
      measured: `not measurable: ${rush?.notMeasured ?? 'not run'}`,
      ratio: null,
      met: null,
    });
  }
  if (results.settings.scenarios instanceof Array && results.settings.scenarios.includes('queue'))
    targets.push(...judgeWaitingRoom(results.queue));
  const chat = results.chat;
  if (isMeasured(chat)) {
    const s = chat.stack;
    targets.push({
      scenario: 'chat',
      target: `p99 < 100 ms at ${s.subscribers} subscribers, ${s.ratePerSecond} msg/s`,
      measured: `${s.latency.p99Ms} ms`,
      ratio: round(s.latency.p99Ms / 100, 2),
      met: s.latency.p99Ms < 100 && s.subscribers >= 1000 && s.ratePerSecond >= 50,
    });
    targets.push({
      scenario: 'chat',
      target: 'deliveries lost = 0',
      measured: `${s.lost} of ${s.expectedDeliveries}`,
      ratio: null,
      met: s.lost === 0 && s.expectedDeliveries > 0,
    });
  } else {
    targets.push({
      scenario: 'chat',
      target: 'p99 < 100 ms, none lost',
      measured: `not measurable: ${chat?.notMeasured ?? 'not run'}`,
      ratio: null,
      met: null,
    });
  }
  for (const [service, limit] of Object.entries(MEMORY_TARGETS_MB)) {
    // Judged under the scenarios' loads; the setup (account registration) is shown, not judged.
    const peaks = Object.entries(results.memory)
      .filter(([scenario]) => scenario !== 'setup')
      .map(([scenario, byProcess]) => [scenario, byProcess[service]?.peakMb] as const)
      .filter((e): e is readonly [string, number] => typeof e[1] === 'number');
    if (peaks.length === 0) continue;
    const [scenario, peak] = peaks.reduce((a, b) => (b[1] > a[1] ? b : a));
    targets.push({
      scenario: 'memory',
      target: `${service === 'gateway' ? 'router' : service} < ${limit} MB RSS`,
      measured: `${peak} MB (peak, during ${scenario})`,
      ratio: round(peak / limit, 2),
      met: peak < limit,
    });
  }
  return targets;
}

// ---------------------------------------------------------------- Markdown

const fmt = (n: number | undefined | null, digits = 1) =>
  n === undefined || n === null || !Number.isFinite(n) ? '–' : n.toFixed(digits);
const verdict = (t: Target) =>
  t.met === null ? 'not measurable' : t.met ? '**met**' : '**not met**';
const table = (header: string[], rows: string[][]) =>
  [
    `| ${header.join(' | ')} |`,
    `| ${header.map((_, i) => (i === 0 ? '---' : '---:')).join(' | ')} |`,
    ...rows.map((r) => `| ${r.join(' | ')} |`),
  ].join('\n');
const outcomes = (o: Record<string, number>) =>
  Object.entries(o)
    .sort((a, b) => b[1] - a[1])
    .map(([k, v]) => `${k} ${v}`)
    .join(', ');

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
        t.ratio === null ? '–' : String(t.ratio),
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
    const rows = [browse.router, browse.hive, browse.eventsDirect].map((r) =>
      isMeasured(r)
        ? [
            r.name === 'router'
              ? 'our router (Apollo Gateway)'
              : r.name === 'hive-gateway'
                ? 'Hive Gateway, same supergraph'
                : 'events subgraph alone (its part; the floor)',
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
    if (isMeasured(browse.hive)) {
      out.push('');
      out.push(
        `Router ÷ Hive Gateway: throughput ${fmt(browse.router.throughput / browse.hive.throughput, 2)}×, p99 ${fmt(browse.router.latency.p99Ms / browse.hive.latency.p99Ms, 2)}×. ` +
          `Router ÷ floor: throughput ${fmt(browse.router.throughput / browse.eventsDirect.throughput, 2)}×.`,
      );
    }
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

  const chat = results.chat;
  out.push('## 3. Chat fan-out');
  out.push('');
  if (isMeasured(chat)) {
    const c = chat.stack;
    out.push(
      `${c.subscribers} graphql-ws subscribers (\`messagePosted\`, anonymous, through the router's WebSocket pass-through; connected in ${fmt(c.connectSeconds)} s), ` +
        `messages posted through the router at ${c.ratePerSecond}/s (achieved ${fmt(c.achievedRatePerSecond)}/s) for ${fmt(c.seconds)} s by ${String(results.settings.chatPosters)} users in turn ` +
        '(the chat allows a user 10 messages per 10 s). Latency: post sent → message received by a subscriber.',
    );
    out.push('');
    const k = chat.kafka;
    out.push(
      table(
        ['', 'p50 ms', 'p90 ms', 'p99 ms', 'p99.9 ms', 'max ms', 'deliveries', 'lost'],
        [
          [
            'stack: post → subscriber',
            fmt(c.latency.p50Ms),
            fmt(c.latency.p90Ms),
            fmt(c.latency.p99Ms),
            fmt(c.latency.p999Ms),
            fmt(c.latency.maxMs),
            `${c.delivered} of ${c.expectedDeliveries}`,
            String(c.lost),
          ],
          [
            'stack: post answered (mutation)',
            fmt(c.postLatency.p50Ms),
            fmt(c.postLatency.p90Ms),
            fmt(c.postLatency.p99Ms),
            fmt(c.postLatency.p999Ms),
            fmt(c.postLatency.maxMs),
            `${c.posted} posted`,
            outcomes(c.postOutcomes),
          ],
          isMeasured(k)
            ? [
                'bare kafkajs produce → consume',
                fmt(k.latency.p50Ms),
                fmt(k.latency.p90Ms),
                fmt(k.latency.p99Ms),
                fmt(k.latency.p999Ms),
                fmt(k.latency.maxMs),
                `${k.consumed} of ${k.produced}`,
                String(k.lost),
              ]
            : ['bare kafkajs', 'not measurable', '', '', '', '', '', k.notMeasured],
        ],
      ),
    );
    out.push('');
    out.push(
      `Duplicates received: ${c.duplicates}; subscriptions ended early: ${c.subscriptionsEnded}.` +
        (isMeasured(k)
          ? ` Stack p99 ÷ Kafka p99: ${fmt(c.latency.p99Ms / k.latency.p99Ms, 1)}×.`
          : ''),
    );
    if (c.errorExamples.length)
      out.push(`\nErrors seen: ${c.errorExamples.map((e) => `\`${e}\``).join('; ')}`);
  } else out.push(`Not measurable: ${chat?.notMeasured ?? 'not run'}.`);
  out.push('');

  out.push('## 4. Memory');
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
        name === 'gateway' ? 'router (gateway)' : name,
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

// ---------------------------------------------------------------- SVG

interface Series {
  label: string;
  color: string;
  curve: Array<[number, number]>;
  dashed?: boolean;
}

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
/** HDR-style x axis: distance in "nines" (0 at p0, 1 at p90, 2 at p99, 3 at p99.9). */
const nines = (p: number) => Math.log10(100 / (100 - Math.min(p, 99.9)));

function latencyPanel(
  x0: number,
  y0: number,
  w: number,
  h: number,
  title: string,
  series: Series[],
): string {
  const parts: string[] = [];
  const pad = { left: 56, right: 12, top: 28, bottom: 34 };
  const pw = w - pad.left - pad.right;
  const ph = h - pad.top - pad.bottom;
  const values = series
    .flatMap((s) => s.curve.map(([, v]) => v))
    .filter((v) => v > 0 && Number.isFinite(v));
  const lo = Math.floor(Math.log10(Math.max(0.01, Math.min(...values, 1))));
  const hi = Math.ceil(Math.log10(Math.max(...values, 1) * 1.05));
  const maxX = nines(99.9);
  const sx = (p: number) => x0 + pad.left + (nines(p) / maxX) * pw;
  const sy = (v: number) =>
    y0 + pad.top + ph - ((Math.log10(Math.max(v, 10 ** lo)) - lo) / (hi - lo || 1)) * ph;
  parts.push(
    `<text x="${x0 + pad.left}" y="${y0 + 18}" font-size="13" font-weight="bold">${esc(title)}</text>`,
  );
  parts.push(
    `<rect x="${x0 + pad.left}" y="${y0 + pad.top}" width="${pw}" height="${ph}" fill="#fafafa" stroke="#ccc"/>`,
  );
  for (let d = lo; d <= hi; d++) {
    const y = sy(10 ** d);
    parts.push(
      `<line x1="${x0 + pad.left}" x2="${x0 + pad.left + pw}" y1="${y}" y2="${y}" stroke="#ddd"/>`,
    );
    parts.push(
      `<text x="${x0 + pad.left - 6}" y="${y + 4}" font-size="10" text-anchor="end">${10 ** d >= 1 ? 10 ** d : (10 ** d).toFixed(-d)} ms</text>`,
    );
  }
  for (const p of [0, 50, 90, 99, 99.9]) {
    const x = sx(p);
    parts.push(
      `<line x1="${x}" x2="${x}" y1="${y0 + pad.top}" y2="${y0 + pad.top + ph}" stroke="#e4e4e4"/>`,
    );
    parts.push(
      `<text x="${x}" y="${y0 + pad.top + ph + 14}" font-size="10" text-anchor="middle">p${p}</text>`,
    );
  }
  parts.push(
    `<text x="${x0 + pad.left + pw / 2}" y="${y0 + h - 4}" font-size="10" text-anchor="middle" fill="#555">percentile (HDR scale)</text>`,
  );
  series.forEach((s, i) => {
    const points = s.curve
      .filter(([p, v]) => CHART_PERCENTILES.includes(p) && Number.isFinite(v))
      .map(([p, v]) => `${sx(p).toFixed(1)},${sy(v).toFixed(1)}`);
    parts.push(
      `<polyline fill="none" stroke="${s.color}" stroke-width="2"${s.dashed ? ' stroke-dasharray="5,3"' : ''} points="${points.join(' ')}"/>`,
    );
    const ly = y0 + pad.top + 14 + i * 14;
    parts.push(
      `<line x1="${x0 + pad.left + 8}" x2="${x0 + pad.left + 26}" y1="${ly - 4}" y2="${ly - 4}" stroke="${s.color}" stroke-width="2"${s.dashed ? ' stroke-dasharray="5,3"' : ''}/>`,
    );
    parts.push(`<text x="${x0 + pad.left + 30}" y="${ly}" font-size="10">${esc(s.label)}</text>`);
  });
  return parts.join('\n');
}

function memoryPanel(
  x0: number,
  y0: number,
  w: number,
  h: number,
  memory: BenchResults['memory'],
): string {
  const parts: string[] = [];
  const pad = { left: 56, right: 12, top: 28, bottom: 34 };
  const pw = w - pad.left - pad.right;
  const ph = h - pad.top - pad.bottom;
  const scenarios = Object.keys(memory);
  const processes = [...new Set(scenarios.flatMap((s) => Object.keys(memory[s])))];
  const colors = ['#4e79a7', '#f28e2b', '#59a14f', '#b07aa1'];
  const max = Math.max(
    300,
    ...scenarios.flatMap((s) => Object.values(memory[s]).map((m) => m.peakMb)),
  );
  const sy = (v: number) => y0 + pad.top + ph - (v / max) * ph;
  parts.push(
    `<text x="${x0 + pad.left}" y="${y0 + 18}" font-size="13" font-weight="bold">Peak RSS per process (MB), dashed: target</text>`,
  );
  parts.push(
    `<rect x="${x0 + pad.left}" y="${y0 + pad.top}" width="${pw}" height="${ph}" fill="#fafafa" stroke="#ccc"/>`,
  );
  for (let v = 0; v <= max; v += 100) {
    parts.push(
      `<line x1="${x0 + pad.left}" x2="${x0 + pad.left + pw}" y1="${sy(v)}" y2="${sy(v)}" stroke="#ddd"/>`,
    );
    parts.push(
      `<text x="${x0 + pad.left - 6}" y="${sy(v) + 4}" font-size="10" text-anchor="end">${v}</text>`,
    );
  }
  const group = pw / Math.max(1, processes.length);
  const bar = (group * 0.8) / Math.max(1, scenarios.length);
  processes.forEach((name, i) => {
    const gx = x0 + pad.left + i * group + group * 0.1;
    scenarios.forEach((s, j) => {
      const v = memory[s][name]?.peakMb ?? 0;
      parts.push(
        `<rect x="${(gx + j * bar).toFixed(1)}" y="${sy(v).toFixed(1)}" width="${(bar - 1).toFixed(1)}" height="${(y0 + pad.top + ph - sy(v)).toFixed(1)}" fill="${colors[j % colors.length]}"><title>${esc(`${name} during ${s}: ${v} MB`)}</title></rect>`,
      );
    });
    const limit = MEMORY_TARGETS_MB[name];
    if (limit)
      parts.push(
        `<line x1="${gx - 2}" x2="${gx + group * 0.8 + 2}" y1="${sy(limit)}" y2="${sy(limit)}" stroke="#c00" stroke-dasharray="4,2"/>`,
      );
    parts.push(
      `<text x="${gx + group * 0.4}" y="${y0 + pad.top + ph + 14}" font-size="10" text-anchor="middle">${esc(name === 'gateway' ? 'router' : name)}</text>`,
    );
  });
  scenarios.forEach((s, j) => {
    parts.push(
      `<rect x="${x0 + pad.left + 8 + j * 90}" y="${y0 + pad.top + 6}" width="10" height="10" fill="${colors[j % colors.length]}"/>`,
    );
    parts.push(
      `<text x="${x0 + pad.left + 22 + j * 90}" y="${y0 + pad.top + 15}" font-size="10">${esc(s)}</text>`,
    );
  });
  return parts.join('\n');
}

export function renderSvg(results: BenchResults): string {
  const w = 560;
  const h = 300;
  const panels: string[] = [];
  const browse = results.browse;
  if (isMeasured(browse)) {
    const series: Series[] = [
      {
        label: `our router (${browse.router.throughput}/s)`,
        color: '#d62728',
        curve: browse.router.curve,
      },
    ];
    if (isMeasured(browse.hive))
      series.push({
        label: `Hive Gateway (${browse.hive.throughput}/s)`,
        color: '#1f77b4',
        curve: browse.hive.curve,
      });
    series.push({
      label: `events subgraph alone (${browse.eventsDirect.throughput}/s)`,
      color: '#7f7f7f',
      curve: browse.eventsDirect.curve,
      dashed: true,
    });
    panels.push(
      latencyPanel(
        0,
        0,
        w,
        h,
        `1. Browse: page query latency, ${String(results.settings.browseConcurrency)} in flight`,
        series,
      ),
    );
  }
  const rush = results.rush;
  if (isMeasured(rush)) {
    const series: Series[] = [
      {
        label: `purchases through the stack (${rush.stack.salesPerSecond} sales/s)`,
        color: '#d62728',
        curve: rush.stack.curve,
      },
    ];
    if (rush.pgbench.available && rush.pgbench.curve)
      series.push({
        label: `pgbench, the UPDATE alone (${rush.pgbench.tps}/s)`,
        color: '#7f7f7f',
        curve: rush.pgbench.curve,
        dashed: true,
      });
    panels.push(
      latencyPanel(
        w,
        0,
        w,
        h,
        `2. Rush: purchase latency, ${rush.stack.concurrency} in flight`,
        series,
      ),
    );
  }
  const chat = results.chat;
  if (isMeasured(chat)) {
    const series: Series[] = [
      { label: 'post → subscriber, through the stack', color: '#d62728', curve: chat.stack.curve },
    ];
    if (isMeasured(chat.kafka))
      series.push({
        label: 'bare kafkajs produce → consume',
        color: '#7f7f7f',
        curve: chat.kafka.curve,
        dashed: true,
      });
    panels.push(
      latencyPanel(
        0,
        h,
        w,
        h,
        `3. Chat: delivery latency, ${chat.stack.subscribers} subscribers, ${chat.stack.ratePerSecond} msg/s`,
        series,
      ),
    );
  }
  panels.push(memoryPanel(w, h, w, h, results.memory));
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${2 * w}" height="${2 * h}" viewBox="0 0 ${2 * w} ${2 * h}" font-family="Helvetica, Arial, sans-serif">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    ...panels,
    '</svg>',
    '',
  ].join('\n');
}
