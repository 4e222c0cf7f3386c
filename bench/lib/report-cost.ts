/**
 * The chat fan-out's section of bench/RESULTS.md (the stack and its floor on the same ladder of
 * rates) and what each unit of work costs in CPU, per process: microseconds per page for each
 * browse target, milliseconds per sale in the rush, microseconds per delivered frame in the chat.
 */
import type { BrowseTargetResult } from '../scenarios/browse';
import type { ChatStep, ChatSweepResult } from '../scenarios/chat-fanout';
import type { CpuUsage } from './cpu';
import { isMeasured, type BenchResults } from './report';
import { fmt, table } from './report-format';

const stepRow = (target: string, s: ChatStep) => [
  target,
  String(s.ratePerSecond),
  fmt(s.achievedRatePerSecond),
  fmt(s.latency.p50Ms),
  fmt(s.latency.p99Ms),
  fmt(s.latency.maxMs),
  `${s.delivered} of ${s.expectedDeliveries}`,
  String(s.lost),
  String(s.shed),
  s.sustained ? 'yes' : '**no**',
];

export function chatSection(results: BenchResults): string[] {
  const out = ['## 3. Chat fan-out', ''];
  const chat = results.chat;
  if (!isMeasured(chat)) return [...out, `Not measurable: ${chat?.notMeasured ?? 'not run'}.`, ''];
  const s = chat.stack;
  const floor = chat.floor;
  out.push(
    `${s.subscribers} graphql-ws subscribers (\`messagePosted\`) on each target, connected for the whole scenario: ` +
      `**the stack** (posts through the router's \`postMessage\`, delivery through Kafka, the subscriptions service and the router's WebSocket pass-through; connected in ${fmt(s.connectSeconds)} s) and ` +
      '**the floor** (bench/chat-floor.ts: one Node.js process with `ws` broadcasting the same frames on an HTTP post; no GraphQL, no Kafka). ' +
      `Both climb the same ladder of rates in steps of ${Number(results.settings.chatStepMs) / 1000} s, taking turns at each rate, and stop at their first step not sustained ` +
      '(p99 ≥ 250 ms, a subscriber shed, a delivery lost, or posts failed or behind schedule). Latency: post sent → message received. ' +
      'Lost counts deliveries owed to subscribers still connected at the end of the step; shed ones were disconnected by the server as too slow (close 1013).',
  );
  out.push('');
  const rows = [
    ...s.steps.map((step) => stepRow('stack', step)),
    ...(isMeasured(floor) ? floor.steps.map((step) => stepRow('floor', step)) : []),
  ];
  out.push(
    table(
      [
        'target',
        'msg/s',
        'achieved',
        'p50 ms',
        'p99 ms',
        'max ms',
        'deliveries',
        'lost',
        'shed',
        'sustained',
      ],
      rows,
    ),
  );
  out.push('');
  out.push(
    `Highest rate sustained: stack **${s.sustainedRatePerSecond} msg/s**` +
      (isMeasured(floor)
        ? `, floor **${floor.sustainedRatePerSecond} msg/s** (ratio ${fmt(floor.sustainedRatePerSecond ? s.sustainedRatePerSecond / floor.sustainedRatePerSecond : 0, 2)}).`
        : ` (floor not measurable: ${floor.notMeasured}).`),
  );
  const k = chat.kafka;
  out.push('');
  out.push(
    isMeasured(k)
      ? `Bare kafkajs produce → consume at ${k.ratePerSecond}/s: p50 ${fmt(k.latency.p50Ms)} ms, p99 ${fmt(k.latency.p99Ms)} ms, ${k.consumed} of ${k.produced}.`
      : `Bare kafkajs round trip: not measurable (${k.notMeasured}).`,
  );
  const errors = [...s.errorExamples, ...(isMeasured(floor) ? floor.errorExamples : [])];
  if (errors.length) out.push(`\nErrors seen: ${errors.map((e) => `\`${e}\``).join('; ')}`);
  out.push('');
  return out;
}

/** Processes by CPU spent, largest first, then the rest and the machine. */
function costRows(perUnit: Record<string, number>, usage: CpuUsage, digits: number): string[][] {
  const named = Object.entries(usage.byProcess)
    .filter(([, ms]) => ms > 0)
    .sort((a, b) => b[1] - a[1])
    .map(([name]) => name);
  return [...named, 'the rest', 'machine'].map((name) => [
    name === 'the rest'
      ? 'the rest (kernel, other work on the machine)'
      : name === 'machine'
        ? '**machine, every core**'
        : name,
    fmt(perUnit[name], digits),
    fmt(
      name === 'the rest'
        ? usage.restMs
        : name === 'machine'
          ? usage.machineBusyMs
          : usage.byProcess[name],
      0,
    ),
  ]);
}

/** One measured window's costs: a sentence saying what it was, then the table per process. */
function costBlock(
  lead: string,
  unit: string,
  perUnit: Record<string, number>,
  usage: CpuUsage,
  digits: number,
): string[] {
  return [lead, '', table(['process', unit, 'CPU ms'], costRows(perUnit, usage, digits)), ''];
}

/** The sweep's step whose cost is shown: the highest sustained one, else the first. */
const costStep = (sweep: ChatSweepResult): ChatStep | undefined =>
  [...sweep.steps].reverse().find((s) => s.sustained && s.cpu) ?? sweep.steps.find((s) => s.cpu);

/** Browse: one column per target, a row per process that worked for any of them. */
function browseCost(results: BenchResults): string[] {
  const browse = results.browse;
  if (!isMeasured(browse)) return [];
  const targets = [
    browse.router,
    browse.hive,
    browse.hiveRouterRuntime,
    browse.eventsDirect,
  ].filter((t): t is BrowseTargetResult => isMeasured(t) && t.cpu !== null);
  if (targets.length === 0) return [];
  // Each process that worked for any target, by its largest CPU time.
  const largest = new Map<string, number>();
  for (const t of targets)
    for (const [name, ms] of Object.entries(t.cpu!.byProcess))
      if (ms > 0) largest.set(name, Math.max(ms, largest.get(name) ?? 0));
  const names = [...largest].sort((a, b) => b[1] - a[1]).map(([name]) => name);
  const ordered = [...names, 'the rest', 'machine'];
  const label = (name: string) =>
    name === 'the rest'
      ? 'the rest (kernel, other work on the machine)'
      : name === 'machine'
        ? '**machine, every core**'
        : name;
  return [
    "**Browse**: CPU µs per full page over each target's measured rounds (warm-up excluded): the gateway " +
      'answering the page (our router, or one of the two Hive Gateways) beside the subgraphs it asked. ' +
      'The floor (events-direct) is the events subgraph answering its own part alone.',
    '',
    table(
      ['process', ...targets.map((t) => `${t.name} (${fmt(t.throughput)} pages/s)`)],
      ordered.map((name) => [
        label(name),
        ...targets.map((t) => fmt(t.cpuUsPerPage[name] ?? 0, 0)),
      ]),
    ),
    '',
  ];
}

export function costSection(results: BenchResults): string[] {
  const out = ['## 4. What a unit of work costs', ''];
  out.push(
    'CPU time (user + system) of each process read from `/proc/<pid>/stat` at the start and end of the measured window, ' +
      "and the machine's busy time from `/proc/stat`. PostgreSQL backends are those connected to the bench's databases; " +
      '"the rest" is the machine\'s busy time that no watched process accounts for (loopback networking in softirq, and any other work on this shared machine).',
  );
  out.push('');
  out.push(...browseCost(results));
  const rush = results.rush;
  if (isMeasured(rush) && rush.stack.cpu) {
    const r = rush.stack;
    const cpu = rush.stack.cpu as CpuUsage;
    out.push(
      ...costBlock(
        `**Rush**: ${r.database.sold} sales over ${fmt(cpu.wallSeconds)} s (every purchase answered, sold-out refusals included). ` +
          `**${fmt(r.salesPerStackCoreSecond)} sales per core-second** of the stack (services, PostgreSQL backends, Kafka); ` +
          `${fmt(r.salesPerMachineCoreSecond)} per core-second of the whole machine.`,
        'CPU ms per sale',
        r.cpuMsPerSale,
        cpu,
        2,
      ),
    );
  } else out.push('Rush: not measured in this run.', '');
  const queue = results.queue;
  if (isMeasured(queue) && queue.cpu)
    out.push(
      ...costBlock(
        `**Waiting room**: ${queue.database.sold} sales over ${fmt(queue.cpu.wallSeconds)} s from the sale's start to the last fan settled, ` +
          'with every waiting fan followed over graphql-ws all along (their positions and the closing included), and the joins answered after the start running beside it.',
        'CPU ms per sale',
        queue.cpuMsPerSale,
        queue.cpu,
        2,
      ),
    );
  if (isMeasured(queue) && queue.joinCpu)
    out.push(
      ...costBlock(
        `**Waiting room, joining**: the ${fmt(queue.joinCpu.wallSeconds)} s up to the sale's start (its ${queue.joinWindowSeconds} s of joins and the set-up before them), per fan whose join was answered by then ` +
          `(${queue.joinedBeforeStart} of ${queue.fans}), each joining (\`joinWaitingRoom\`) and starting to follow their ticket over graphql-ws; ` +
          `for all ${queue.fans} to join in the ${queue.joinWindowSeconds} s before the sale (${queue.joinWindowSeconds * queue.joinCpu.cores} core-seconds of this machine), ` +
          `a fan may cost ${fmt((queue.joinWindowSeconds * queue.joinCpu.cores * 1000) / queue.fans, 1)} ms.`,
        'CPU ms per fan',
        queue.cpuMsPerJoin,
        queue.joinCpu,
        2,
      ),
    );
  const chat = results.chat;
  if (isMeasured(chat)) {
    const sweeps = [chat.stack, ...(isMeasured(chat.floor) ? [chat.floor] : [])];
    for (const sweep of sweeps) {
      const step = costStep(sweep);
      if (!step?.cpu) continue;
      out.push(
        ...costBlock(
          `**Chat, ${sweep.target}** at ${step.ratePerSecond} msg/s: ${step.delivered} frames delivered over ${fmt(step.cpu.wallSeconds)} s.`,
          'CPU µs per delivered frame',
          step.cpuPerFrameUs,
          step.cpu,
          1,
        ),
      );
    }
  }
  return out;
}
