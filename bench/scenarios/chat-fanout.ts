/**
 * Scenario 3, chat fan-out: 1,000 graphql-ws subscribers on one event's `messagePosted` while
 * messages are posted at a fixed rate (open loop: a post leaves on schedule whether or not the
 * previous one was answered), from a thread of their own (chat-poster.ts). Latency is from the
 * moment a post is sent (stamped in its text) to the moment a subscriber receives it.
 *
 * Two targets, each with its own 1,000 clients connected for the whole scenario:
 * - the stack: posts through the router (`postMessage`), delivery through Kafka, the
 *   subscriptions service and the router's WebSocket pass-through;
 * - the floor (bench/chat-floor.ts): one Node.js process with `ws` that broadcasts the same
 *   frames on an HTTP post, with no GraphQL and no Kafka.
 *
 * Both climb the same ladder of rates in short steps, taking turns at each rate, and stop at the
 * first step they do not sustain: p99 ≥ 250 ms, a subscriber shed or a delivery lost, or posts
 * that failed (or were refused) or fell behind schedule. The stack climbs one step further, to
 * show how it behaves well past its limit. A step's CPU per delivered frame is read per process.
 */
import { randomBytes } from 'node:crypto';
import { Samples, round, type Distribution } from '../lib/stats';
import { perUnit, type CpuUsage, type CpuWatch } from '../lib/cpu';
import { connectSubscribers, until, type SubscriberPool } from './chat-clients';
import { BODY_PLACEHOLDER, ChatPoster, stampOf } from './chat-poster';
import type { Account } from './setup';

const POST =
  'mutation Post($eventId: ID!, $body: String!) { postMessage(eventId: $eventId, body: $body) { id createdAt } }';

/** The latency a step must keep its p99 under to count as sustained. */
export const CHAT_P99_BOUND_MS = 250;

export interface ChatTarget {
  name: 'stack' | 'floor';
  /**
   * Steps climbed past the first unsustained one: the stack's behaviour well past its limit
   * (bounded, or queueing for seconds) is a target of its own; the floor's is not.
   */
  stepsPastLimit: number;
  websocketUrl: string;
  statsUrl: string;
  /** Where posts go: the router's /graphql, or the floor's /post. */
  postUrl: string;
  /** The request body of post `i` of a step at `rate`, and the token to send it with. */
  post(body: string, i: number, rate: number): { json: string; token?: string };
}

export function stackTarget(options: {
  routerUrl: string;
  statsUrl: string;
  eventId: string;
  posters: Account[];
}): ChatTarget {
  return {
    name: 'stack',
    stepsPastLimit: 1,
    websocketUrl: options.routerUrl.replace(/^http/, 'ws'),
    statsUrl: options.statsUrl,
    postUrl: options.routerUrl,
    // Posters take turns, so none exceeds the chat's per-user rate limit (10 per 10 s): 1.5 per
    // message a second, each then posting once per 1.5 s. No more than that, so the same few
    // sessions are checked (and cached) rather than hundreds of new ones.
    post: (body, i, rate) => ({
      json: JSON.stringify({ query: POST, variables: { eventId: options.eventId, body } }),
      token:
        options.posters[i % Math.min(options.posters.length, Math.max(10, Math.ceil(rate * 1.5)))]
          .token,
    }),
  };
}

export function floorTarget(baseUrl: string): ChatTarget {
  return {
    name: 'floor',
    stepsPastLimit: 0,
    websocketUrl: `${baseUrl.replace(/^http/, 'ws')}/graphql`,
    statsUrl: `${baseUrl}/stats`,
    postUrl: `${baseUrl}/post`,
    post: (body) => ({ json: JSON.stringify({ body }) }),
  };
}

export interface ChatStep {
  ratePerSecond: number;
  achievedRatePerSecond: number;
  seconds: number;
  posted: number;
  postOutcomes: Record<string, number>;
  postLatency: Distribution;
  /** Subscribers connected when the step began. */
  subscribers: number;
  /** Subscribers the server disconnected during the step (shed as too slow). */
  shed: number;
  /** Deliveries owed to the subscribers still connected at the end: posts × subscribers. */
  expectedDeliveries: number;
  delivered: number;
  /** Of those owed to subscribers still connected: never received. */
  lost: number;
  duplicates: number;
  latency: Distribution;
  curve: Array<[number, number]>;
  cpu: CpuUsage | null;
  /** CPU µs per delivered frame, per process. */
  cpuPerFrameUs: Record<string, number>;
  sustained: boolean;
}

export interface ChatSweepResult {
  target: 'stack' | 'floor';
  subscribers: number;
  connectSeconds: number;
  steps: ChatStep[];
  /**
   * The highest rate sustained (p99 < 250 ms, none shed or lost) below the first step that was
   * not, or 0 when none was.
   */
  sustainedRatePerSecond: number;
  errorExamples: string[];
}

interface StepOptions {
  rate: number;
  durationMs: number;
  drainMs: number;
  cpu?: CpuWatch;
}

async function runStep(
  target: ChatTarget,
  pool: SubscriberPool,
  poster: ChatPoster,
  step: StepOptions,
): Promise<ChatStep> {
  const planned = Math.max(1, Math.floor((step.durationMs / 1000) * step.rate));
  const prefix = `bench ${randomBytes(3).toString('hex')} #`;
  const latency = new Samples();
  const received = new Map(pool.subscribers.map((s) => [s, new Uint8Array(planned)]));
  const live = pool.subscribers.filter((s) => s.endedAt === undefined);
  let delivered = 0;
  let duplicates = 0;
  pool.onMessage = (subscriber, body, at) => {
    const stamp = stampOf(body, prefix);
    const seen = received.get(subscriber);
    if (!stamp || !seen || !(stamp.n >= 0 && stamp.n < planned)) return;
    if (seen[stamp.n]) return void duplicates++;
    seen[stamp.n] = 1;
    delivered++;
    // `at` is this thread's performance.now(); the stamp, the poster thread's epoch time.
    latency.push(performance.timeOrigin + at - stamp.sentAt);
  };
  step.cpu?.begin();
  const report = await poster.step({
    postUrl: target.postUrl,
    posts: Array.from({ length: planned }, (_, i) => target.post(BODY_PLACEHOLDER, i, step.rate)),
    prefix,
    intervalMs: 1000 / step.rate,
  });
  for (const failure of report.failures)
    if (pool.errorExamples.length < 5) pool.errorExamples.push(failure);
  const postLatency = new Samples();
  for (const ms of report.latencies) postLatency.push(ms);
  const postOutcomes = report.outcomes;
  const ok = new Uint8Array(planned);
  for (const i of report.ok) ok[i] = 1;
  const { seconds } = report;
  const posted = report.ok.length;
  const kept = () => live.filter((s) => s.endedAt === undefined);
  await until(
    async () => delivered >= posted * kept().length,
    step.drainMs,
    'every delivery',
  ).catch(() => undefined);
  const cpu = step.cpu?.end() ?? null;
  pool.onMessage = () => undefined;
  const stayed = kept();
  let lost = 0;
  for (const s of stayed) {
    const seen = received.get(s)!;
    for (let i = 0; i < planned; i++) if (ok[i] && !seen[i]) lost++;
  }
  const summary = latency.summary();
  const achieved = planned > 1 ? (planned - 1) / seconds : step.rate;
  return {
    ratePerSecond: step.rate,
    achievedRatePerSecond: round(achieved, 1),
    seconds: round(seconds),
    posted,
    postOutcomes,
    postLatency: postLatency.summary(),
    subscribers: live.length,
    shed: live.length - stayed.length,
    expectedDeliveries: posted * stayed.length,
    delivered,
    lost,
    duplicates,
    latency: summary,
    curve: latency.curve(),
    cpu,
    cpuPerFrameUs: cpu ? perUnit(cpu, delivered, 1000) : {},
    sustained:
      posted > 0 &&
      summary.p99Ms < CHAT_P99_BOUND_MS &&
      lost === 0 &&
      stayed.length === live.length &&
      posted === planned &&
      achieved >= step.rate * 0.95,
  };
}

export interface ChatSweepOptions {
  targets: ChatTarget[];
  eventId: string;
  subscribers: number;
  /** The ladder of rates, messages per second, in increasing order. */
  rates: number[];
  stepMs: number;
  drainMs: number;
  cpu?: CpuWatch;
  log: (message: string) => void;
}

/**
 * Every target climbs the ladder, taking turns at each rate, until its first unsustained step
 * and `stepsPastLimit` more.
 */
export async function runChatSweep(options: ChatSweepOptions): Promise<ChatSweepResult[]> {
  const pools = new Map<ChatTarget, SubscriberPool>();
  const poster = new ChatPoster();
  try {
    for (const target of options.targets) {
      const pool = await connectSubscribers({ ...target, ...options, count: options.subscribers });
      pools.set(target, pool);
      options.log(
        `  ${target.name}: ${options.subscribers} subscribers connected in ${pool.connectSeconds} s`,
      );
      // Warm-up, not measured: every subscriber must receive a few messages.
      const warm = await runStep(target, pool, poster, {
        rate: 5,
        durationMs: 2_000,
        drainMs: 30_000,
      });
      if (warm.lost > 0 || warm.posted === 0)
        throw new Error(
          `chat warm-up on the ${target.name}: ${warm.lost} lost, ${warm.posted} posted: ${pool.errorExamples.join(' | ')}`,
        );
    }
    const steps = new Map<ChatTarget, ChatStep[]>(options.targets.map((t) => [t, []]));
    const climbing = new Set(options.targets);
    for (const [r, rate] of options.rates.entries()) {
      if (climbing.size === 0) break;
      const order = [...climbing];
      if (r % 2 === 1) order.reverse();
      for (const target of order) {
        const step = await runStep(target, pools.get(target)!, poster, {
          rate,
          durationMs: options.stepMs,
          drainMs: options.drainMs,
          cpu: options.cpu,
        });
        steps.get(target)!.push(step);
        options.log(
          `  ${target.name.padEnd(5)} ${String(rate).padStart(4)} msg/s: p99 ${step.latency.p99Ms} ms, shed ${step.shed}, lost ${step.lost} of ${step.expectedDeliveries}${step.sustained ? '' : '  (not sustained)'}`,
        );
        const unsustained = steps.get(target)!.filter((s) => !s.sustained).length;
        if (unsustained > target.stepsPastLimit) climbing.delete(target);
      }
    }
    return options.targets.map((target) => {
      const done = steps.get(target)!;
      const limit = done.findIndex((s) => !s.sustained);
      const sustained = (limit < 0 ? done : done.slice(0, limit)).filter((s) => s.sustained);
      return {
        target: target.name,
        subscribers: options.subscribers,
        connectSeconds: pools.get(target)!.connectSeconds,
        steps: done,
        sustainedRatePerSecond: sustained.length
          ? sustained[sustained.length - 1].ratePerSecond
          : 0,
        errorExamples: pools.get(target)!.errorExamples,
      };
    });
  } finally {
    await poster.close();
    await Promise.all([...pools.values()].map((p) => p.close()));
  }
}
