/** What timing a client's reading needs of its socket: a WebSocket ping, and its pong. */
export interface PingableSocket {
  ping(data: Buffer): void;
  on(event: 'pong', listener: (data: Buffer) => void): unknown;
  off(event: 'pong', listener: (data: Buffer) => void): unknown;
}

/** Our pings' payload: graphql-ws's keep-alive pings carry none, so their pongs are told apart. */
export const READ_LAG_PING = Buffer.from('ko-read-lag');

/**
 * How far behind one client's reading is, timed end to end. A pong comes back only once the
 * client has read every frame sent before its ping, wherever those frames waited: in this
 * process, the router's pass-through, the kernel's socket buffers on either side, or the
 * client's own event loop. Unsent bytes here see only the first of those; on loopback the
 * kernel alone holds megabytes, seconds of chat.
 *
 * A client is pinged only while it is being fed (a payload went to it since its last pong), at
 * most one ping at a time, so an idle client costs nothing (graphql-ws's keep-alive pings it);
 * one that keeps up, about once per lag bound.
 * It is too far behind when its ping has waited longer than the lag bound while payloads kept
 * going to it: a client that is slow but is sent nothing more is not falling further behind.
 */
export class ReadLag {
  /** Payloads handed to the client so far. */
  private fed = 0;
  /** `fed` when the outstanding ping went; undefined while none is outstanding. */
  private fedAtPing: number | undefined;
  private pingedAt = 0;
  /** `fed` at the last ping answered: everything up to it has been read. */
  private read = 0;
  /** When the last ping was answered, and how long it had waited. */
  private answeredAt = -Infinity;
  private lastLagMs = 0;
  private listening = false;

  constructor(
    private readonly socket: PingableSocket,
    private readonly clock: () => number,
  ) {}

  /** A payload went to the client. */
  feed(): void {
    this.fed += 1;
  }

  /**
   * On each of the watch's turns: pings a client fed since its last answer, and says whether
   * its outstanding ping has waited longer than `maxLagMs` while it was fed more. A ping and its
   * pong cost each process on the way a write and a read of their own (a tenth of a
   * millisecond of CPU all told), so a client whose last answer came back within a quarter of
   * the bound is asked again only after the bound; a slower one, at every turn.
   */
  check(now: number, maxLagMs: number): boolean {
    if (this.fedAtPing !== undefined)
      return this.fed > this.fedAtPing && now - this.pingedAt > maxLagMs;
    const keepingUp = this.lastLagMs < maxLagMs / 4;
    if (this.fed > this.read && (!keepingUp || now - this.answeredAt >= maxLagMs)) {
      if (!this.listening) {
        this.socket.on('pong', this.answered);
        this.listening = true;
      }
      this.fedAtPing = this.fed;
      this.pingedAt = now;
      this.socket.ping(READ_LAG_PING);
    }
    return false;
  }

  stop(): void {
    if (this.listening) this.socket.off('pong', this.answered);
    this.listening = false;
  }

  private readonly answered = (data: Buffer) => {
    if (this.fedAtPing === undefined || !data.equals(READ_LAG_PING)) return;
    this.read = this.fedAtPing;
    this.fedAtPing = undefined;
    this.answeredAt = this.clock();
    this.lastLagMs = this.answeredAt - this.pingedAt;
  };
}
