import {
  SendBacklog,
  TOO_SLOW_CLOSE_CODE,
  TOO_SLOW_REASON,
  type BacklogLimits,
} from '@ko/platform/slow-readers';
import { ReadLag, type PingableSocket } from './read-lag';

export { TOO_SLOW_CLOSE_CODE };

/** What a subscription needs of its client's socket: how far behind it is, and a way out. */
export interface ClientSocket extends PingableSocket {
  readonly bufferedAmount: number;
  close(code: number, reason: string): void;
  terminate(): void;
}

/** A channel's key is an event id, except `queueTicketUpdated`'s: a queue ticket id. */
export type Channel =
  'messagePosted' | 'messageDeleted' | 'ticketsSold' | 'eventUpdated' | 'queueTicketUpdated';

export interface FanoutLimits extends BacklogLimits {
  /** Payloads waiting for one subscription beyond which its client is too slow. */
  maxQueued: number;
  /**
   * How long a client may stay behind (its reading, timed by a ping while it is fed; unsent
   * bytes on its socket all along; or a payload waiting in its queue) before it is too slow. The
   * byte and count bounds alone let a client that reads slowly at a low message rate fall
   * seconds behind before either is reached.
   */
  maxLagMs: number;
}

/** A source that can hand each payload to a function as it is published, instead of queueing it. */
export interface Listenable<T> {
  listen(onPayload: (payload: T) => void, onEnd: () => void): void;
}

/**
 * One live subscription: an async iterator fed by the fan-out. Payloads wait in a bounded
 * queue while graphql-ws writes earlier ones to the socket.
 */
class LiveSubscription<T> implements AsyncIterableIterator<T>, Listenable<T> {
  private readonly queue: T[] = [];
  /** When each queued payload arrived (same order as `queue`). */
  private readonly queuedAt: number[] = [];
  /** Its socket's unsent bytes, noted at every publish. */
  readonly backlog = new SendBacklog();
  private waiting: ((result: IteratorResult<T>) => void) | undefined;
  private listener: { onPayload: (payload: T) => void; onEnd: () => void } | undefined;
  private done = false;
  /**
   * When graphql-ws first asked for a payload. Until then the subscription is still being set
   * up (a first value looked up elsewhere, say), and what waits meanwhile is not the client's lag.
   */
  private pullingSince: number | undefined;

  constructor(
    readonly socket: ClientSocket,
    private readonly reader: ReadLag,
    private readonly onEnd: (subscription: LiveSubscription<T>) => void,
    private readonly clock: () => number,
  ) {}

  get queued(): number {
    return this.queue.length;
  }

  /** Since when the oldest payload has waited for its client, if one waits. */
  get waitingSince(): number | undefined {
    if (this.queuedAt.length === 0 || this.pullingSince === undefined) return undefined;
    return Math.max(this.queuedAt[0], this.pullingSince);
  }

  /**
   * From now on each payload goes to `onPayload` as it is published (none queues), and `onEnd`
   * is called when the subscription ends: a relayed subscription's results are sent once for its
   * whole group, so it need not take each payload through a promise of its own.
   */
  listen(onPayload: (payload: T) => void, onEnd: () => void): void {
    this.listener = { onPayload, onEnd };
    // Published before this (between the subscription and its relay): taken now, in order.
    this.queuedAt.length = 0;
    for (const value of this.queue.splice(0)) onPayload(value);
    if (this.done) onEnd();
  }

  push(value: T, now: number): void {
    if (this.done) return;
    this.reader.feed();
    if (this.listener) this.listener.onPayload(value);
    else if (this.waiting) {
      const resolve = this.waiting;
      this.waiting = undefined;
      resolve({ value, done: false });
    } else {
      this.queue.push(value);
      this.queuedAt.push(now);
    }
  }

  next(): Promise<IteratorResult<T>> {
    this.pullingSince ??= this.clock();
    if (this.queue.length > 0) {
      this.queuedAt.shift();
      return Promise.resolve({ value: this.queue.shift() as T, done: false });
    }
    if (this.done) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve) => (this.waiting = resolve));
  }

  /** Called by graphql-ws when the client completes the subscription or disconnects. */
  return(): Promise<IteratorResult<T>> {
    this.end();
    return Promise.resolve({ value: undefined, done: true });
  }

  end(): void {
    if (this.done) return;
    this.done = true;
    this.queue.length = 0;
    this.queuedAt.length = 0;
    this.onEnd(this);
    const resolve = this.waiting;
    this.waiting = undefined;
    resolve?.({ value: undefined, done: true });
    this.listener?.onEnd();
  }

  [Symbol.asyncIterator](): this {
    return this;
  }
}

/**
 * In-process fan-out: each Kafka fact goes to the subscriptions of its channel and event only.
 * Delivery never waits on a client: a client that falls too far behind is disconnected (it
 * may reconnect), so one slow or dead socket cannot stall or bloat delivery to the others.
 */
export class Fanout {
  private readonly subscribers = new Map<string, Set<LiveSubscription<unknown>>>();
  /** Each client socket with a live subscription: its read lag and its subscriptions. */
  private readonly readers = new Map<
    ClientSocket,
    { lag: ReadLag; subscriptions: Set<LiveSubscription<unknown>> }
  >();
  private slowClientsDropped = 0;
  private readonly idleListeners: Array<(channel: Channel, eventId: string) => void> = [];

  constructor(
    private readonly limits: FanoutLimits,
    private readonly clock: () => number = Date.now,
  ) {}

  /** Calls `listener` when the last subscription of (channel, eventId) ends. */
  onIdle(listener: (channel: Channel, eventId: string) => void): void {
    this.idleListeners.push(listener);
  }

  subscribe<T>(
    channel: Channel,
    eventId: string,
    socket: ClientSocket,
  ): AsyncIterableIterator<T> & Listenable<T> {
    const key = `${channel}:${eventId}`;
    let reader = this.readers.get(socket);
    if (!reader)
      this.readers.set(socket, (reader = { lag: new ReadLag(socket), subscriptions: new Set() }));
    const subscription = new LiveSubscription<T>(
      socket,
      reader.lag,
      (ended) => {
        const set = this.subscribers.get(key);
        set?.delete(ended as LiveSubscription<unknown>);
        if (set?.size === 0) {
          this.subscribers.delete(key);
          for (const listener of this.idleListeners) listener(channel, eventId);
        }
        this.forgetReader(ended as LiveSubscription<unknown>);
      },
      this.clock,
    );
    let set = this.subscribers.get(key);
    if (!set) this.subscribers.set(key, (set = new Set()));
    set.add(subscription as LiveSubscription<unknown>);
    reader.subscriptions.add(subscription as LiveSubscription<unknown>);
    return subscription;
  }

  /** Hands a payload to every subscription of (channel, eventId); returns how many took it. */
  publish(channel: Channel, eventId: string, payload: unknown): number {
    const set = this.subscribers.get(`${channel}:${eventId}`);
    if (!set) return 0;
    const now = this.clock();
    let delivered = 0;
    for (const subscription of [...set]) {
      if (this.tooSlow(subscription, now)) {
        this.shed(subscription.socket);
        continue;
      }
      subscription.push(payload, now);
      delivered += 1;
    }
    return delivered;
  }

  /**
   * Behind by too many bytes, payloads or milliseconds. Shedding it keeps delivery to everyone
   * else on time: its frames would otherwise wait in buffers (here, in the kernel, in the
   * router's pass-through) and be delivered seconds late, while costing the same to send.
   */
  private tooSlow(subscription: LiveSubscription<unknown>, now: number): boolean {
    const waiting = subscription.waitingSince;
    return (
      subscription.backlog.tooFar(subscription.socket.bufferedAmount, now, this.limits) ||
      subscription.queued >= this.limits.maxQueued ||
      (waiting !== undefined && now - waiting > this.limits.maxLagMs)
    );
  }

  /**
   * One turn of the read-lag watch (run every few hundred milliseconds): pings the clients being
   * fed, and sheds each whose ping has waited longer than the lag bound while it was fed more.
   * Returns how many were shed.
   */
  watchReaders(now = this.clock()): number {
    let shed = 0;
    for (const [socket, reader] of [...this.readers])
      if (reader.lag.check(now, this.limits.maxLagMs)) {
        this.shed(socket);
        shed += 1;
      }
    return shed;
  }

  /** Live subscriptions, for /health and tests. */
  get size(): number {
    let total = 0;
    for (const set of this.subscribers.values()) total += set.size;
    return total;
  }

  /** Live subscriptions by channel, for /stats: which kind an unexpected count is. */
  get sizeByChannel(): Partial<Record<Channel, number>> {
    const sizes: Partial<Record<Channel, number>> = {};
    for (const [key, set] of this.subscribers) {
      const channel = key.slice(0, key.indexOf(':')) as Channel;
      sizes[channel] = (sizes[channel] ?? 0) + set.size;
    }
    return sizes;
  }

  get dropped(): number {
    return this.slowClientsDropped;
  }

  /** Ends every subscription (shutdown). */
  endAll(): void {
    for (const set of [...this.subscribers.values()])
      for (const subscription of [...set]) subscription.end();
  }

  private forgetReader(subscription: LiveSubscription<unknown>): void {
    const reader = this.readers.get(subscription.socket);
    if (!reader?.subscriptions.delete(subscription) || reader.subscriptions.size > 0) return;
    reader.lag.stop();
    this.readers.delete(subscription.socket);
  }

  /** Ends every subscription of a client too slow to keep up, and tells it so (1013). */
  private shed(socket: ClientSocket): void {
    this.slowClientsDropped += 1;
    for (const subscription of [...(this.readers.get(socket)?.subscriptions ?? [])])
      subscription.end();
    socket.close(TOO_SLOW_CLOSE_CODE, TOO_SLOW_REASON);
    // A socket that is not draining may never finish the closing handshake.
    setTimeout(() => socket.terminate(), 5_000).unref();
  }
}
