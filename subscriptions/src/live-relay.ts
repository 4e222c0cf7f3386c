import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  LIVE_RELAY_HEADER,
  directLine,
  joinLine,
  leaveLine,
  parseTunnelName,
  sendLine,
} from '@ko/platform/live-relay';
import { sendJson } from '@ko/platform/http';
import { isUuid } from '@ko/platform/ids';
import type { Logger } from '@ko/platform/logger';
import type { ExecutionArgs, ExecutionResult, FormattedExecutionResult } from 'graphql';
import type { Listenable } from './fanout';
import type { Result } from './shared-execution';

/** Unsent bytes on a link beyond which its router is too slow: the link is cut. */
const MAX_LINK_BUFFERED_BYTES = 32 * 1024 * 1024;

/**
 * One router's link: an HTTP response held open, written in order. Results are sent once per
 * (payload, group): the first of a group's subscriptions to take a payload sends it, in the order
 * the payloads were taken, and the others skip it.
 */
export class RelayLink {
  private readonly claimed = new WeakMap<object, Set<number>>();
  private readonly tails = new Map<number, Promise<void>>();
  /** Ends each subscription delivered over this link, when the link is lost. */
  readonly onLost = new Set<() => void>();
  private lostAlready = false;

  constructor(
    private readonly response: ServerResponse,
    private readonly logger: Logger,
  ) {}

  get lost(): boolean {
    return this.lostAlready;
  }

  join(tunnel: number, group: number, id: string): void {
    this.write(joinLine(tunnel, group, id));
  }

  leave(tunnel: number, id: string): void {
    this.write(leaveLine(tunnel, id));
  }

  /** True for the first subscription of `group` to take `payload`: it sends the result. */
  claim(payload: object, group: number): boolean {
    let groups = this.claimed.get(payload);
    if (!groups) this.claimed.set(payload, (groups = new Set()));
    if (groups.has(group)) return false;
    groups.add(group);
    return true;
  }

  /**
   * Sends `group` the result `render` makes, after the group's results claimed before it; to one
   * member of it alone when `to` names one.
   */
  send(group: number, render: () => Promise<string>, to?: { tunnel: number; id: string }): void {
    const tail = (this.tails.get(group) ?? Promise.resolve()).then(render).then(
      (result) => this.write(to ? directLine(to.tunnel, to.id, result) : sendLine(group, result)),
      (error: unknown) =>
        this.logger.error({ err: error, group }, 'a relayed result could not be made'),
    );
    this.tails.set(group, tail);
    void tail.then(() => {
      if (this.tails.get(group) === tail) this.tails.delete(group);
    });
  }

  private write(line: string): void {
    if (this.lostAlready || this.response.writableEnded) return;
    this.response.write(line);
    if (this.response.writableLength > MAX_LINK_BUFFERED_BYTES) {
      this.logger.warn('a router fell too far behind on the live relay: its link is cut');
      this.response.destroy();
    }
  }

  markLost(): void {
    if (this.lostAlready) return;
    this.lostAlready = true;
    for (const end of [...this.onLost]) end();
    this.onLost.clear();
  }

  close(): void {
    this.response.end();
  }
}

/** Where a subscription's results go instead of its own socket. */
export interface RelayDelivery {
  link: RelayLink;
  tunnel: number;
  id: string;
  group: (shape: string) => number;
  release: (shape: string) => void;
}

/**
 * The instance's end of the live relay (`@ko/platform/live-relay`): the routers' links, and the
 * groups (one per operation shape: document and variables, so one stream of results) that
 * subscriptions delivered over them join.
 */
export class RelayLinks {
  private readonly links = new Map<string, RelayLink>();
  private readonly groups = new Map<string, { id: number; members: number }>();
  private lastGroup = 0;

  constructor(private readonly logger: Logger) {}

  /** GET /live-relay, from a router naming itself: the link, held open until either side ends. */
  readonly route = (req: IncomingMessage, res: ServerResponse): void => {
    const routerId = req.headers[LIVE_RELAY_HEADER];
    if (typeof routerId !== 'string' || !isUuid(routerId)) {
      sendJson(res, 400, { errors: [{ message: `Name the router in ${LIVE_RELAY_HEADER}.` }] });
      return;
    }
    res.writeHead(200, {
      'content-type': 'text/plain; charset=utf-8',
      'cache-control': 'no-store',
    });
    res.flushHeaders();
    const link = new RelayLink(res, this.logger);
    this.links.get(routerId)?.markLost();
    this.links.set(routerId, link);
    res.on('close', () => {
      if (this.links.get(routerId) === link) this.links.delete(routerId);
      link.markLost();
    });
  };

  /** A subscription's relay, from its connection's upgrade request: none without a live link. */
  deliveryFor(request: IncomingMessage | undefined, id: string): RelayDelivery | undefined {
    const name = parseTunnelName(request?.headers[LIVE_RELAY_HEADER]);
    const link = name && this.links.get(name.routerId);
    if (!name || !link || link.lost) return undefined;
    return {
      link,
      tunnel: name.tunnel,
      id,
      group: (shape) => {
        let group = this.groups.get(shape);
        if (!group) this.groups.set(shape, (group = { id: ++this.lastGroup, members: 0 }));
        group.members += 1;
        return group.id;
      },
      release: (shape) => {
        const group = this.groups.get(shape);
        if (group && --group.members === 0) this.groups.delete(shape);
      },
    };
  }

  get size(): number {
    return this.links.size;
  }

  /** Subscriptions delivered over a link now: the members of every group. */
  get relayed(): number {
    let members = 0;
    for (const group of this.groups.values()) members += group.members;
    return members;
  }

  close(): void {
    for (const link of this.links.values()) link.close();
  }
}

/** How relayed subscriptions are found and their results written. */
export interface SubscriptionRelay {
  /** The relay of this subscription's connection, if its router has a live link. */
  deliveryOf(args: ExecutionArgs): RelayDelivery | undefined;
  /** The result as the client receives it (errors formatted the service's one way). */
  format(result: ExecutionResult): FormattedExecutionResult;
  /** A relayed subscription whose link was lost: its client is told to reconnect. */
  onLinkLost(args: ExecutionArgs): void;
}

const isListenable = (source: object): source is Listenable<unknown> =>
  typeof (source as Partial<Listenable<unknown>>).listen === 'function';

/**
 * A subscription whose results go over its router's live relay instead of its socket: it joins
 * its shape's group, and each payload's result is sent once per group (by whichever member takes
 * it first). graphql-ws gets an iterator that yields nothing and ends when the subscription
 * does, so its completion and its `complete` message work as for any other.
 */
export function relayed(
  source: AsyncIterator<unknown>,
  resultOf: (payload: unknown) => Result,
  shape: string,
  delivery: RelayDelivery,
  relay: Pick<SubscriptionRelay, 'format'> & { onLinkLost(): void },
): AsyncIterableIterator<ExecutionResult> {
  const { link, tunnel, id } = delivery;
  const group = delivery.group(shape);
  const finished = (): IteratorResult<ExecutionResult> => ({ value: undefined, done: true });
  let end!: (result: IteratorResult<ExecutionResult>) => void;
  const ended = new Promise<IteratorResult<ExecutionResult>>((resolve) => (end = resolve));
  let over = false;
  const stop = async () => {
    if (over) return;
    over = true;
    link.onLost.delete(lost);
    link.leave(tunnel, id);
    delivery.release(shape);
    end(finished());
    await source.return?.();
  };
  // Not a completion: the client is told to reconnect (and its subscriptions end as it closes).
  const lost = () => relay.onLinkLost();
  link.onLost.add(lost);
  link.join(tunnel, group, id);
  const take = (payload: unknown) => {
    const render = async () => JSON.stringify(relay.format(await resultOf(payload)));
    // An object published to many is sent once, by the first of its group to take it; a
    // primitive (a deleted message's id) cannot be told from an equal one: sent to this one.
    if (typeof payload !== 'object' || payload === null) link.send(group, render, { tunnel, id });
    else if (link.claim(payload, group)) link.send(group, render);
  };
  if (isListenable(source))
    source.listen(
      (payload) => {
        if (!over) take(payload);
      },
      () => void stop(),
    );
  else
    void (async () => {
      try {
        for (;;) {
          const step = await source.next();
          if (step.done || over) break;
          take(step.value);
        }
      } catch {
        // The source failed (it does not, today): the subscription ends, its client told.
      } finally {
        await stop();
      }
    })();
  return {
    next: () => ended,
    return: async () => {
      await stop();
      return finished();
    },
    throw: async (error?: unknown) => {
      await stop();
      throw error;
    },
    [Symbol.asyncIterator]() {
      return this;
    },
  };
}
