import { randomUUID } from 'node:crypto';
import { request, type ClientRequest } from 'node:http';
import {
  LIVE_RELAY_HEADER,
  LIVE_RELAY_PATH,
  NEXT_END,
  nextMessage,
  nextPrefix,
  parseRelayLine,
} from '@ko/platform/live-relay';
import type { Logger } from '@ko/platform/logger';
import { textFrame, textFrameOf } from './websocket-frames';

/** Writes a frame of the router's own into a tunnel's client socket. */
export type Inject = (frame: Buffer) => void;

const RECONNECT_MS = 1_000;
const NEXT_END_BYTES = Buffer.from(NEXT_END);

/**
 * The router's end of the live relay (`@ko/platform/live-relay`): one link per subscriptions
 * instance it tunnels to, over which the instance names which subscriptions of which tunnels
 * receive a shared result, and sends that result once. The router writes it, as each
 * subscription's `next` frame, into each client's socket.
 */
export class LiveRelay {
  readonly routerId = randomUUID();
  private lastTunnel = 0;
  private readonly tunnels = new Map<number, Inject>();
  private readonly links = new Map<string, RelayLink>();
  private closed = false;

  constructor(private readonly logger: Logger) {}

  /**
   * A new tunnel to `instance`: the name its handshake carries, and the way out. The link to the
   * instance is opened with the first tunnel and kept while any tunnel to it is open.
   */
  attach(instance: URL, inject: Inject): { name: string; detach(): void } {
    const tunnel = ++this.lastTunnel;
    this.tunnels.set(tunnel, inject);
    const origin = `http://${instance.host}`;
    let link = this.links.get(origin);
    if (!link) this.links.set(origin, (link = new RelayLink(origin, this, this.logger)));
    link.users += 1;
    const opened = link;
    return {
      name: `${this.routerId} ${tunnel}`,
      detach: () => {
        this.tunnels.delete(tunnel);
        opened.forget(tunnel);
        opened.users -= 1;
      },
    };
  }

  deliver(tunnel: number, frame: Buffer): void {
    this.tunnels.get(tunnel)?.(frame);
  }

  /** Called by a link that ended with no tunnel left to serve. */
  dropLink(origin: string, link: RelayLink): void {
    if (this.links.get(origin) === link) this.links.delete(origin);
  }

  get stopping(): boolean {
    return this.closed;
  }

  close(): void {
    this.closed = true;
    for (const link of this.links.values()) link.close();
    this.links.clear();
  }
}

class RelayLink {
  users = 0;
  /**
   * Per group, its members: by tunnel, each subscription id with its `next` message's opening
   * bytes, made once at the join rather than for every result.
   */
  private readonly groups = new Map<number, Map<number, Map<string, Buffer>>>();
  /** Per tunnel, the groups its subscriptions are in, by subscription id. */
  private readonly memberships = new Map<number, Map<string, number>>();
  private current: ClientRequest | undefined;
  private failing = false;
  private retry: NodeJS.Timeout | undefined;

  constructor(
    private readonly origin: string,
    private readonly relay: LiveRelay,
    private readonly logger: Logger,
  ) {
    this.connect();
  }

  private connect(): void {
    this.retry = undefined;
    const req = request(`${this.origin}${LIVE_RELAY_PATH}`, {
      headers: { [LIVE_RELAY_HEADER]: this.relay.routerId },
      agent: false,
    });
    this.current = req;
    let ended = false;
    const lost = (error?: Error) => {
      if (ended) return;
      ended = true;
      this.groups.clear();
      this.memberships.clear();
      // Said once per outage, not at every retry; meanwhile results come through the tunnels.
      if (error && !this.relay.stopping && !this.failing)
        this.logger.warn({ err: error, origin: this.origin }, 'live relay link lost');
      this.failing = error !== undefined;
      if (this.relay.stopping) return;
      if (this.users > 0) this.retry = setTimeout(() => this.connect(), RECONNECT_MS).unref();
      else this.relay.dropLink(this.origin, this);
    };
    req.on('error', lost);
    req.on('response', (res) => {
      if (res.statusCode !== 200) {
        res.resume();
        return lost(new Error(`the live relay answered ${res.statusCode}`));
      }
      this.failing = false;
      res.setEncoding('utf8');
      let partial = '';
      res.on('data', (text: string) => {
        const lines = (partial + text).split('\n');
        partial = lines.pop()!;
        for (const line of lines) this.handle(line);
      });
      res.on('error', lost);
      res.on('close', () => lost());
    });
    req.end();
  }

  private handle(line: string): void {
    const instruction = parseRelayLine(line);
    if (!instruction) return;
    if (instruction.kind === 'direct') {
      const { tunnel, id, result } = instruction;
      if (this.memberships.get(tunnel)?.has(id))
        this.relay.deliver(tunnel, textFrame(nextMessage(id, result)));
    } else if (instruction.kind === 'send') {
      const members = this.groups.get(instruction.group);
      if (!members) return;
      const result = Buffer.from(instruction.result);
      for (const [tunnel, ids] of members)
        for (const prefix of ids.values())
          this.relay.deliver(tunnel, textFrameOf(prefix, result, NEXT_END_BYTES));
    } else if (instruction.kind === 'join') {
      const { tunnel, group, id } = instruction;
      let members = this.groups.get(group);
      if (!members) this.groups.set(group, (members = new Map()));
      let ids = members.get(tunnel);
      if (!ids) members.set(tunnel, (ids = new Map()));
      ids.set(id, Buffer.from(nextPrefix(id)));
      let joined = this.memberships.get(tunnel);
      if (!joined) this.memberships.set(tunnel, (joined = new Map()));
      joined.set(id, group);
    } else {
      const group = this.memberships.get(instruction.tunnel)?.get(instruction.id);
      if (group !== undefined) this.leave(instruction.tunnel, instruction.id, group);
    }
  }

  private leave(tunnel: number, id: string, group: number): void {
    const members = this.groups.get(group);
    const ids = members?.get(tunnel);
    ids?.delete(id);
    if (ids?.size === 0) members!.delete(tunnel);
    if (members?.size === 0) this.groups.delete(group);
    const joined = this.memberships.get(tunnel);
    joined?.delete(id);
    if (joined?.size === 0) this.memberships.delete(tunnel);
  }

  /** A tunnel closed: its subscriptions leave every group (the instance says so too, later). */
  forget(tunnel: number): void {
    for (const [id, group] of this.memberships.get(tunnel) ?? []) this.leave(tunnel, id, group);
  }

  close(): void {
    clearTimeout(this.retry);
    this.current?.destroy();
  }
}
