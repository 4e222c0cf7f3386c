/**
 * Scenario 1, browse: the federated page query (events with their tiers and availability, the
 * organizer's name and the newest announcement: four subgraphs) at a fixed concurrency through
 * our router and through Hive Gateway (its JavaScript runtime, and with Hive Router's Rust
 * query planner) serving the same supergraph over the same subgraph processes, beside the
 * events subgraph answering its own part directly (the floor).
 *
 * The targets take turns in short rounds, in a rotating order, so a burst of other work
 * on this shared machine lands on all of them rather than on one.
 */
import { addUsage, perUnit, type CpuUsage, type CpuWatch } from '../lib/cpu';
import { GraphQLHttp, closedLoop, type LoadResult } from '../lib/load';
import { Samples, round } from '../lib/stats';

export const BROWSE_QUERY = `query BrowsePage($first: Int!) {
  events(first: $first) {
    totalCount
    pageInfo { hasNextPage endCursor }
    edges {
      cursor
      node {
        id title category city venue startsAt status
        organizer { id name }
        tiers { id name priceCents available }
        announcements(first: 1) { id body createdAt }
      }
    }
  }
}`;

/** The events subgraph's own part of the page: what it answers when asked directly. */
export const BROWSE_EVENTS_PART = `query BrowsePageEvents($first: Int!) {
  events(first: $first) {
    totalCount
    pageInfo { hasNextPage endCursor }
    edges { cursor node { id title category city venue startsAt status organizer { id } } }
  }
}`;

export interface BrowseTarget {
  name: 'router' | 'hive-gateway' | 'hive-router-runtime' | 'events-direct';
  url: string;
  query: string;
}

export interface BrowseOptions {
  targets: BrowseTarget[];
  pageSize: number;
  concurrency: number;
  warmUpMs: number;
  rounds: number;
  roundMs: number;
  /** Hard cap on requests per round, whatever the time. */
  maxRequestsPerRound: number;
  /** Reads every process's CPU over each target's measured rounds (warm-up excluded). */
  cpu?: CpuWatch;
  log: (message: string) => void;
}

export interface BrowseTargetResult extends Omit<LoadResult, 'samples'> {
  name: string;
  url: string;
  curve: Array<[number, number]>;
  /** CPU of every process over this target's rounds. */
  cpu: CpuUsage | null;
  /** CPU µs per full page, per process. */
  cpuUsPerPage: Record<string, number>;
}

interface Edge {
  node: { organizer?: { name?: string } | null; tiers?: unknown[]; announcements?: unknown[] };
}

/** A full page: every event there, each with its organizer's name, tiers and announcements. */
function fullPage(pageSize: number, federated: boolean) {
  return (data: Record<string, unknown>): boolean => {
    const edges = (data.events as { edges?: Edge[] } | undefined)?.edges;
    if (!edges || edges.length !== pageSize) return false;
    if (!federated) return true;
    return edges.every(
      (e) =>
        typeof e.node.organizer?.name === 'string' &&
        Array.isArray(e.node.tiers) &&
        e.node.tiers.length > 0 &&
        Array.isArray(e.node.announcements),
    );
  };
}

export async function runBrowse(options: BrowseOptions): Promise<BrowseTargetResult[]> {
  const clients = new Map(
    options.targets.map((t) => [t.name, new GraphQLHttp(t.url, options.concurrency, 30_000)]),
  );
  const run = (target: BrowseTarget, durationMs: number) =>
    closedLoop({
      client: clients.get(target.name)!,
      body: JSON.stringify({ query: target.query, variables: { first: options.pageSize } }),
      concurrency: options.concurrency,
      durationMs,
      maxRequests: options.maxRequestsPerRound,
      accept: fullPage(options.pageSize, target.name !== 'events-direct'),
    });
  try {
    // Warm-up: query plans, JIT, connection pools. A target that cannot answer the page fails here.
    for (const target of options.targets) {
      const warm = await run(target, options.warmUpMs);
      if (warm.ok === 0)
        throw new Error(
          `browse: ${target.name} answered no full page during warm-up: ${warm.errorExamples.join(' | ')}`,
        );
      options.log(`  warm-up ${target.name}: ${warm.throughput} req/s`);
    }
    const rounds = new Map<string, LoadResult[]>(options.targets.map((t) => [t.name, []]));
    const cpu = new Map<string, CpuUsage>();
    for (let r = 0; r < options.rounds; r++) {
      const order = options.targets.map(
        (_, i) => options.targets[(i + r) % options.targets.length],
      );
      for (const target of order) {
        options.cpu?.begin();
        const result = await run(target, options.roundMs);
        const usage = options.cpu?.end();
        if (usage) cpu.set(target.name, addUsage(cpu.get(target.name), usage));
        rounds.get(target.name)!.push(result);
        options.log(
          `  round ${r + 1} ${target.name.padEnd(19)} ${String(result.throughput).padStart(7)} req/s  p99 ${result.latency.p99Ms} ms`,
        );
      }
    }
    return options.targets.map((target) => {
      const results = rounds.get(target.name)!;
      const samples = new Samples();
      const outcomes: Record<string, number> = {};
      let seconds = 0;
      for (const result of results) {
        samples.addAll(result.samples);
        seconds += result.seconds;
        for (const [k, v] of Object.entries(result.outcomes)) outcomes[k] = (outcomes[k] ?? 0) + v;
      }
      const usage = cpu.get(target.name) ?? null;
      return {
        name: target.name,
        url: target.url,
        requests: samples.count,
        ok: outcomes.ok ?? 0,
        outcomes,
        seconds: round(seconds),
        // Full pages per second: an error answered fast must not count as serving.
        throughput: round((outcomes.ok ?? 0) / seconds, 1),
        latency: samples.summary(),
        curve: samples.curve(),
        cpu: usage,
        cpuUsPerPage: usage ? perUnit(usage, outcomes.ok ?? 0, 1000) : {},
        errorExamples: results.flatMap((r) => r.errorExamples).slice(0, 5),
      };
    });
  } finally {
    for (const client of clients.values()) client.close();
  }
}
