/**
 * A waiting room's fans as the bench plays them: each joins (sending the join again when the
 * stack could not answer, as the web client does), then follows their queue ticket over
 * graphql-ws through the router (in worker threads); a fan whose socket failed polls instead.
 */
import { join as joinPath } from 'node:path';
import { Worker } from 'node:worker_threads';
import { GraphQLHttp, inParallel, outcomeOf, type GraphQLAnswer } from '../lib/load';
import type { Account } from './setup';

const JOIN = 'mutation($e: ID!) { joinWaitingRoom(eventId: $e) { id status position } }';
const QUEUE_TICKET = 'query($id: ID!) { queueTicket(id: $id) { status position } }';

/** Tries of one fan's join before they give up, and the answers worth another try. */
const JOIN_ATTEMPTS = 3;
const RETRIED = new Set(['SERVICE_UNAVAILABLE', 'transport', 'http_502', 'http_503', 'http_504']);

export interface QueueTicketSeen {
  id?: string;
  status: string;
  position: number | null;
}

export interface Fan {
  account: Account;
  ticketId?: string;
  /** When the fan asked to join (the join sent); their wait for a position counts from here. */
  arrivedAt?: number;
  /** When the join's answer came. */
  joinedAt?: number;
  positionedAt?: number;
  toldClosedAt?: number;
  bought: boolean;
  /** Whether the subscription is running; a fan whose subscription failed polls instead. */
  live: boolean;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * One fan's join: the answer and its outcome. A join the stack could not answer is sent again
 * (joining again answers the same ticket, so a fan whose first answer was lost still learns it);
 * each retry is counted in `retries` by the answer that caused it.
 */
export async function join(
  http: GraphQLHttp,
  eventId: string,
  fan: Fan,
  retries: Record<string, number>,
): Promise<{ answer: GraphQLAnswer; outcome: string; ticket?: QueueTicketSeen }> {
  for (let attempt = 1; ; attempt++) {
    const answer = await http.post(
      JSON.stringify({ query: JOIN, variables: { e: eventId } }),
      fan.account.token,
    );
    const outcome = outcomeOf(answer);
    if (outcome === 'ok' || attempt === JOIN_ATTEMPTS || !RETRIED.has(outcome)) {
      const data = answer.body?.data as { joinWaitingRoom?: QueueTicketSeen } | undefined;
      return { answer, outcome, ticket: data?.joinWaitingRoom };
    }
    retries[outcome] = (retries[outcome] ?? 0) + 1;
    await sleep(1_000);
  }
}

/** A follower thread's code: TypeScript, loaded through tsx's require hook (a worker of Node 20
 * does not inherit the main thread's `--import tsx`). */
const FOLLOWER_THREAD = `require('tsx/cjs'); require(${JSON.stringify(
  joinPath(__dirname, 'queue-follower-thread.ts'),
)});`;

/** What the main thread asks of a follower thread. */
export type FollowerRequest =
  | { type: 'follow'; fan: number; websocketUrl: string; ticketId: string; token: string }
  | { type: 'dispose' };

/** What a follower thread tells the main thread, by the fan's index. */
export type FollowerReport =
  | { type: 'frame'; fan: number; ticket: QueueTicketSeen | null }
  | { type: 'error' | 'note'; fan: number; text: string }
  | { type: 'complete'; fan: number }
  | { type: 'disposed' };

/**
 * The fans' sockets, spread over worker threads (`queue-follower-thread.ts`): each fan is a
 * browser of their own, and thousands of frames arriving at once (every fan's place at the
 * sale's start) must not hold up the main thread's event loop, where the admitted fans' purchases
 * are sent and timed. The main thread learns every frame by message and acts on it as before.
 */
export class Followers {
  private readonly threads: Worker[];
  private readonly fans: Fan[] = [];
  private readonly started = new Map<number, () => void>();
  private next = 0;

  constructor(
    private readonly websocketUrl: string,
    threads: number,
    private readonly seen: (fan: Fan, ticket: QueueTicketSeen) => void,
    private readonly note: (text: string) => void,
  ) {
    this.threads = Array.from({ length: threads }, () => {
      const thread = new Worker(FOLLOWER_THREAD, { eval: true });
      thread.on('message', (report: FollowerReport) => this.reported(report));
      thread.on('error', (error) => note(`follower thread: ${String(error)}`));
      return thread;
    });
  }

  /** Follows a fan's ticket; settles at the first frame, error or end. */
  follow(fan: Fan): Promise<void> {
    const index = this.fans.push(fan) - 1;
    const thread = this.threads[this.next++ % this.threads.length]!;
    return new Promise<void>((resolve) => {
      this.started.set(index, resolve);
      thread.postMessage({
        type: 'follow',
        fan: index,
        websocketUrl: this.websocketUrl,
        ticketId: fan.ticketId!,
        token: fan.account.token,
      } satisfies FollowerRequest);
    });
  }

  /** Closes every fan's socket, then the threads. */
  async dispose(): Promise<void> {
    await Promise.all(
      this.threads.map(async (thread) => {
        const done = new Promise<void>((resolve) =>
          thread.on('message', (report: FollowerReport) => {
            if (report.type === 'disposed') resolve();
          }),
        );
        thread.postMessage({ type: 'dispose' } satisfies FollowerRequest);
        await done;
        await thread.terminate();
      }),
    );
  }

  private reported(report: FollowerReport): void {
    if (report.type === 'disposed') return;
    const fan = this.fans[report.fan]!;
    if (report.type === 'note') return this.note(report.text);
    this.started.get(report.fan)?.();
    this.started.delete(report.fan);
    if (report.type === 'frame') {
      fan.live = true;
      if (report.ticket) this.seen(fan, report.ticket);
    } else {
      fan.live = false;
      if (report.type === 'error') this.note(report.text);
    }
  }
}

/**
 * Fans whose subscription could not start or ended (an overloaded machine) poll every second,
 * as the web client would after losing its socket, so no admission is left unused. Returns the
 * function that stops the polling and waits for its last round.
 */
export function pollStranded(
  fans: Fan[],
  http: GraphQLHttp,
  seen: (fan: Fan, ticket: QueueTicketSeen) => void,
): () => Promise<void> {
  let polling = true;
  const poller = (async () => {
    while (polling) {
      await sleep(1_000);
      const stranded = fans.filter(
        (f) => f.ticketId && !f.live && !f.bought && f.toldClosedAt === undefined,
      );
      await inParallel(stranded, 20, async (fan) => {
        const answer = await http.post(
          JSON.stringify({ query: QUEUE_TICKET, variables: { id: fan.ticketId } }),
          fan.account.token,
        );
        const data = answer.body?.data as { queueTicket?: QueueTicketSeen } | undefined;
        if (data?.queueTicket) seen(fan, data.queueTicket);
      });
    }
  })();
  return async () => {
    polling = false;
    await poller;
  };
}
