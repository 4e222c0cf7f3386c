/**
 * Scenario 2b, the on-sale with a waiting room: fans (already registered) join an event's
 * waiting room at random moments in the window before its tier goes on sale, each following
 * their queue ticket over graphql-ws (queueTicketUpdated) through the router. When admitted, a
 * fan buys one ticket at once; when the room closes (sold out) the fans still waiting are told.
 *
 * Measured: how long until every fan has a place (from the later of their join and the sale's
 * start), purchase latency of admitted fans (beside the plain rush's, in the same run), how long
 * after the last sale every waiting fan is told, fairness (Spearman's rank correlation between
 * joining order and place among fans who asked to join before the start: near 0, and the share
 * admitted alike whether or not their join was answered before it), and oversold and
 * undersold from the tickets database (both 0).
 */
import { randomBytes } from 'node:crypto';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { Client } from 'pg';
import { rankCorrelation } from '@ko/platform/testing';
import { GraphQLHttp, inParallel, outcomeOf } from '../lib/load';
import { Samples, nowMs, round, type Distribution } from '../lib/stats';
import { perUnit, type CpuUsage, type CpuWatch } from '../lib/cpu';
import { PURCHASE } from './rush';
import { ok, publishedEvent, type Account } from './setup';
import { Followers, join, pollStranded, type Fan, type QueueTicketSeen } from './queue-fans';

export interface WaitingRoomOptions {
  routerUrl: string;
  websocketUrl: string;
  ticketsDatabaseUrl: string;
  organizer: Account;
  fans: Account[];
  capacity: number;
  /** Fans join at random moments over this window, which ends when the sale starts. */
  joinWindowMs: number;
  /** The plain rush's purchase p99 in this run, to compare against. */
  rushP99Ms?: number;
  /** Reads every process's CPU before the sale's start, and over the sale (to the last fan settled). */
  cpu?: CpuWatch;
  log: (message: string) => void;
}

export interface WaitingRoomResult {
  fans: number;
  capacity: number;
  joinWindowSeconds: number;
  joinOutcomes: Record<string, number>;
  /** Joins sent again after an answer the stack could not give (at most JOIN_ATTEMPTS in all). */
  joinRetries: Record<string, number>;
  /** From the later of a fan's join and the sale's start to their first place (or admission). */
  timeToPosition: Distribution;
  fansWithoutPosition: number;
  purchaseLatency: Distribution;
  purchaseOutcomes: Record<string, number>;
  rushP99Ms: number | null;
  /** Admitted fans' purchase p99 over the plain rush's: the target is at most 0.1. */
  p99RatioToRush: number | null;
  /** From the last sale answered to each waiting fan (holding a ticket then) being told CLOSED. */
  toldAfterSellOut: Distribution;
  fansNeverTold: number;
  /**
   * Fans whose join was answered only after the last sale: told CLOSED in that answer (how long
   * they waited for it is in timeToPosition), so not waiting fans to be told.
   */
  joinedAfterSellOut: number;
  /**
   * Spearman's rho, joining order (when each fan asked) against place, over the fans in the draw:
   * those whose join the router received before the sale's start (earlyJoiners).
   */
  fairnessCorrelation: number;
  earlyJoiners: number;
  /** Fans in the draw whose join was answered only after the start (drawn in late, or held). */
  drawnAnsweredAfterStart: number;
  /**
   * The share admitted of the fans in the draw, by whether their join was answered before the
   * start or after it: a join held past the start must not cost a fan their chance.
   */
  admittedShare: { answeredBeforeStart: number; answeredAfterStart: number };
  /** From the sale's start to the draw, which waits while joins asked before the start come in. */
  drawSecondsAfterStart: number | null;
  /**
   * Fans who asked to join before the sale's start (as the bench saw it) but whose join reached
   * the router after it: not in the draw, placed behind it.
   */
  askedBeforeStartOutOfDraw: number;
  database: { capacity: number; sold: number; held: number; tickets: number };
  oversold: number;
  undersold: number;
  seconds: number;
  /** CPU of every process over the sale, and per ticket sold (what the waiting fans cost included). */
  cpu: CpuUsage | null;
  cpuMsPerSale: Record<string, number>;
  /**
   * CPU of every process from the first join to the sale's start, while the fans join and start
   * following their tickets, and per fan whose join was answered by then (joinedBeforeStart).
   */
  joinCpu: CpuUsage | null;
  joinedBeforeStart: number;
  cpuMsPerJoin: Record<string, number>;
  errorExamples: string[];
}

/** Worker threads the fans' sockets are spread over (the machine has two cores). */
const FOLLOWER_THREADS = 2;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export async function runWaitingRoom(options: WaitingRoomOptions): Promise<WaitingRoomResult> {
  const run = randomBytes(3).toString('hex');
  const http = new GraphQLHttp(options.routerUrl, 200, 120_000);
  // The admitted fans' purchases go on connections of their own, as each fan's browser would: in
  // the shared pool a purchase waited for a socket behind up to 200 other fans' joins held in the
  // router, hundreds of milliseconds that were the load generator's, not the stack's.
  const buying = new GraphQLHttp(options.routerUrl, 200, 120_000);
  const errorExamples: string[] = [];
  const note = (text: string) => {
    if (errorExamples.length < 5) errorExamples.push(text.slice(0, 300));
  };
  const organizer = options.organizer.token;
  // The sale starts once the join window has run, after a margin for this setup.
  const saleStartsAtMs = Date.now() + 5_000 + options.joinWindowMs;
  const event = await publishedEvent(
    http,
    options.organizer,
    {
      title: `Waiting room ${run}`,
      category: 'Music',
      venue: 'Stadium',
      city: 'Lisbon',
      inDays: 30,
    },
    [
      {
        name: 'Floor',
        priceCents: 5_000,
        capacity: options.capacity,
        salesStartAt: new Date(saleStartsAtMs).toISOString(),
      },
    ],
  );
  const eventId = event.id;
  const tierId = event.tierIds[0]!;
  await ok(
    http,
    'mutation($e: ID!, $i: WaitingRoomInput!) { setWaitingRoom(eventId: $e, input: $i) { id } }',
    { e: eventId, i: { enabled: true } },
    organizer,
  );

  const fans: Fan[] = options.fans.map((account) => ({ account, bought: false, live: false }));
  const joinOutcomes: Record<string, number> = {};
  /** Joins sent again after an answer the stack could not give, by that answer. */
  const joinRetries: Record<string, number> = {};
  const purchaseLatency = new Samples();
  // Purchases sent in the first 3 s of admissions (when every fan is told a place) and after.
  const firstSeconds = new Samples();
  let firstPurchaseAt: number | undefined;
  const later = new Samples();
  const purchaseOutcomes: Record<string, number> = {};
  let lastSaleAt = 0;
  const saleStart = nowMs() + (saleStartsAtMs - Date.now());
  const started = nowMs();

  const buy = async (fan: Fan) => {
    if (fan.bought) return;
    fan.bought = true;
    const t0 = nowMs();
    firstPurchaseAt ??= t0;
    const answer = await buying.post(
      JSON.stringify({
        query: PURCHASE,
        variables: {
          input: { tierId, quantity: 1, idempotencyKey: `queue-${run}-${fan.account.id}` },
        },
      }),
      fan.account.token,
    );
    const t1 = nowMs();
    const outcome = outcomeOf(answer);
    purchaseLatency.push(t1 - t0);
    (t0 - firstPurchaseAt < 3_000 ? firstSeconds : later).push(t1 - t0);
    purchaseOutcomes[outcome] = (purchaseOutcomes[outcome] ?? 0) + 1;
    if (outcome === 'ok') lastSaleAt = Math.max(lastSaleAt, t1);
    else note(`purchase: ${JSON.stringify(answer.body?.errors ?? answer.failure)}`);
  };

  const seen = (fan: Fan, ticket: QueueTicketSeen) => {
    const now = nowMs();
    if (fan.positionedAt === undefined && (ticket.position !== null || ticket.status !== 'WAITING'))
      fan.positionedAt = now;
    if (ticket.status === 'ADMITTED') void buy(fan);
    if (ticket.status === 'CLOSED' && fan.toldClosedAt === undefined) fan.toldClosedAt = now;
  };

  const stopPolling = pollStranded(fans, http, seen);
  const followers = new Followers(options.websocketUrl, FOLLOWER_THREADS, seen, note);

  // The load generator's own event-loop delay over the sale's first 3 s: its fans' frames and
  // purchase answers share one loop, and a late turn adds to every latency it measures.
  const loopDelay = monitorEventLoopDelay({ resolution: 10 });
  const loopDelayOn = setTimeout(() => loopDelay.enable(), Math.max(0, saleStart - nowMs()));
  const loopDelayOff = setTimeout(
    () => loopDelay.disable(),
    Math.max(0, saleStart + 3_000 - nowMs()),
  );
  // Each fan joins at a random moment of the window, then follows their ticket.
  const windowStart = nowMs() + Math.max(0, saleStart - nowMs() - options.joinWindowMs);
  const plan = fans.map((fan) => ({ fan, at: windowStart + Math.random() * options.joinWindowMs }));
  plan.sort((a, b) => a.at - b.at);
  options.log(`  ${fans.length} fans join over ${options.joinWindowMs / 1000} s`);
  // Every fan's join is sent when they arrive, on a connection of its own as from each fan's
  // browser: the router dates a join by its receipt (the draw counts from then), so a join held
  // in the load generator behind 200 others in flight (as it was, 1,617 of 5,000 fans asking
  // before the start but sent after it) would be a place lost to the bench, not the stack.
  const joiningHttp = new GraphQLHttp(options.routerUrl, plan.length, 120_000);
  const following: Promise<void>[] = [];
  // Two windows that do not overlap: joining, from here to the sale's start (per fan answered by then),
  // and the sale, from its start to the last fan settled (joins answered later run beside it, so
  // they are the sale's cost: the machine's work while the admitted fans buy).
  options.cpu?.begin();
  const joining: { cpu?: CpuUsage | null; fans: number } = { fans: 0 };
  const endJoining = () => {
    joining.cpu = options.cpu?.end() ?? null;
    joining.fans = fans.filter((f) => f.joinedAt !== undefined).length;
  };
  const saleCpuOn = setTimeout(
    () => {
      endJoining();
      options.cpu?.begin();
    },
    Math.max(0, saleStart - nowMs()),
  );
  await inParallel(plan, plan.length, async ({ fan, at }) => {
    fan.arrivedAt = at;
    const wait = at - nowMs();
    if (wait > 0) await sleep(wait);
    const { answer, outcome, ticket } = await join(joiningHttp, eventId, fan, joinRetries);
    joinOutcomes[outcome] = (joinOutcomes[outcome] ?? 0) + 1;
    if (outcome !== 'ok')
      return note(`join: ${JSON.stringify(answer.body?.errors ?? answer.failure)}`);
    fan.joinedAt = nowMs();
    fan.ticketId = ticket!.id;
    seen(fan, ticket!);
    following.push(followers.follow(fan));
  });
  await Promise.all(following);
  joiningHttp.close();
  options.log(
    `  joined: ${JSON.stringify(joinOutcomes)} (sent again: ${JSON.stringify(joinRetries)})`,
  );

  // Until every fan bought, or was told the room closed (or a generous deadline passed).
  const deadline = nowMs() + 300_000;
  const settled = () =>
    fans.every((f) => !f.ticketId || f.bought || f.toldClosedAt !== undefined) &&
    purchaseLatency.count >= fans.filter((f) => f.bought).length;
  while (!settled() && nowMs() < deadline) await sleep(200);
  // The sale's window began at its start, unless every fan settled before it (a failed run).
  clearTimeout(saleCpuOn);
  const cpu = joining.cpu !== undefined ? (options.cpu?.end() ?? null) : null;
  if (joining.cpu === undefined) endJoining();
  const joinCpu = joining.cpu ?? null;
  const joinedBeforeStart = joining.fans;
  const cpuMsPerJoin = joinCpu ? perUnit(joinCpu, joinedBeforeStart, 1) : {};
  if (joinCpu)
    options.log(
      `  CPU ms per fan joined and following before the sale's start (${joinedBeforeStart}): ${Object.entries(
        cpuMsPerJoin,
      )
        .map(([name, ms]) => `${name} ${ms}`)
        .join(', ')}`,
    );
  await stopPolling();
  const seconds = round((nowMs() - started) / 1000);
  const [early, rest] = [firstSeconds.summary(), later.summary()];
  options.log(
    `  admitted purchases in the first 3 s of admissions: ${early.count}, p50 ${early.p50Ms} p99 ${early.p99Ms} ms; after: ${rest.count}, p50 ${rest.p50Ms} p99 ${rest.p99Ms} ms`,
  );
  clearTimeout(loopDelayOn);
  clearTimeout(loopDelayOff);
  loopDelay.disable();
  options.log(
    `  load generator's event-loop delay, first 3 s: p50 ${round(loopDelay.percentile(50) / 1e6)} p99 ${round(loopDelay.percentile(99) / 1e6)} max ${round(loopDelay.max / 1e6)} ms`,
  );

  const timeToPosition = new Samples();
  const told = new Samples();
  let joinedAfterSellOut = 0;
  for (const fan of fans) {
    // From the fan's asking (not the join's answer): a join held by the stack is part of the wait.
    if (fan.arrivedAt !== undefined && fan.positionedAt !== undefined)
      timeToPosition.push(fan.positionedAt - Math.max(fan.arrivedAt, saleStart));
    if (fan.toldClosedAt === undefined || !lastSaleAt) continue;
    if (fan.joinedAt !== undefined && fan.joinedAt > lastSaleAt) joinedAfterSellOut += 1;
    else told.push(Math.max(0, fan.toldClosedAt - lastSaleAt));
  }
  await followers.dispose();
  http.close();
  buying.close();

  const db = new Client({ connectionString: options.ticketsDatabaseUrl });
  await db.connect();
  try {
    const [counts] = (
      await db.query<{ capacity: number; sold: number; held: number; tickets: number }>(
        `SELECT t.capacity, t.sold, t.held, (SELECT count(*)::int FROM tickets WHERE tier_id = t.id) AS tickets
         FROM ticket_tiers t WHERE t.id = $1`,
        [tierId],
      )
    ).rows;
    const placed = (
      await db.query<{ user_id: string; place: number; early: boolean; admitted: boolean }>(
        `SELECT user_id, place, joined_at < $2 AS early, admitted_at IS NOT NULL AS admitted
         FROM queue_tickets WHERE event_id = $1 AND place IS NOT NULL`,
        [eventId, new Date(saleStartsAtMs)],
      )
    ).rows.filter((r) => r.early);
    const [room] = (
      await db.query<{ shuffled_at: Date | null }>(
        'SELECT shuffled_at FROM waiting_rooms WHERE event_id = $1',
        [eventId],
      )
    ).rows;
    const byAccount = new Map(
      fans.filter((f) => f.joinedAt !== undefined).map((f) => [f.account.id, f]),
    );
    const early = placed.filter((r) => byAccount.has(r.user_id));
    const correlation = rankCorrelation(
      early.map((r) => byAccount.get(r.user_id)!.arrivedAt!),
      early.map((r) => r.place),
    );
    const answeredAfter = early.filter((r) => byAccount.get(r.user_id)!.joinedAt! > saleStart);
    const share = (group: typeof early) =>
      group.length ? round(group.filter((r) => r.admitted).length / group.length, 3) : 0;
    const purchase = purchaseLatency.summary();
    const rushP99 = options.rushP99Ms ?? null;
    return {
      fans: fans.length,
      capacity: options.capacity,
      joinWindowSeconds: options.joinWindowMs / 1000,
      joinOutcomes,
      joinRetries,
      timeToPosition: timeToPosition.summary(),
      // Of the fans who hold a queue ticket: a refused join is counted in joinOutcomes.
      fansWithoutPosition: fans.filter((f) => f.ticketId && f.positionedAt === undefined).length,
      purchaseLatency: purchase,
      purchaseOutcomes,
      rushP99Ms: rushP99,
      p99RatioToRush: rushP99 ? round(purchase.p99Ms / rushP99, 3) : null,
      toldAfterSellOut: told.summary(),
      fansNeverTold: fans.filter((f) => f.ticketId && !f.bought && f.toldClosedAt === undefined)
        .length,
      joinedAfterSellOut,
      fairnessCorrelation: round(correlation, 4),
      earlyJoiners: early.length,
      drawnAnsweredAfterStart: answeredAfter.length,
      admittedShare: {
        answeredBeforeStart: share(early.filter((r) => !answeredAfter.includes(r))),
        answeredAfterStart: share(answeredAfter),
      },
      drawSecondsAfterStart: room?.shuffled_at
        ? round((room.shuffled_at.getTime() - saleStartsAtMs) / 1000, 2)
        : null,
      askedBeforeStartOutOfDraw: Math.max(
        0,
        fans.filter((f) => f.ticketId && f.arrivedAt! < saleStart).length - early.length,
      ),
      database: counts!,
      oversold: Math.max(0, counts!.sold - counts!.capacity),
      undersold: Math.max(0, Math.min(counts!.capacity, fans.length) - counts!.sold),
      seconds,
      cpu,
      cpuMsPerSale: cpu ? perUnit(cpu, counts!.sold, 1) : {},
      joinCpu,
      joinedBeforeStart,
      cpuMsPerJoin,
      errorExamples,
    };
  } finally {
    await db.end();
  }
}
