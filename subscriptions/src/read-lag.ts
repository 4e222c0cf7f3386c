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
 * most one ping at a time and one per lag bound, so an idle client costs nothing (graphql-ws's
 * keep-alive pings it) and a busy one a ping a second, however late it answers.
 * It is too far behind when its ping has waited longer than the lag bound while payloads kept
 * going to it: a client that is slow but is sent nothing more is not falling further behind.
 */
export class ReadLag {
  /** Payloads handed to the client so far. */
  private fed = 0;
  /** `fed` when the outstanding ping went; undefined while none is outstanding. */
  private fedAtPing: number | undefined;
  private pingedAt = -Infinity;
  /** `fed` at the last ping answered: everything up to it has been read. */
  private read = 0;
  private listening = false;

  constructor(private readonly socket: PingableSocket) {}

  /** A payload went to the client. */
  feed(): void {
    this.fed += 1;
  }

  /**
   * On each of the watch's turns: pings a client fed since its last answer, and says whether
   * its outstanding ping has waited longer than `maxLagMs` while it was fed more. A ping and its
   * pong cost each process on the way a write and a read of their own, and a late answer is as
   * likely the router's or this process's overload as the client's: pinging late answerers more
   * often fed that overload (seen in the chat bench), so pings stay a bound apart, and a client
   * falling behind is shed between one and two bounds after it started to.
   */
  check(now: number, maxLagMs: number): boolean {
    if (this.fedAtPing !== undefined)
      return this.fed > this.fedAtPing && now - this.pingedAt > maxLagMs;
    if (this.fed > this.read && now - this.pingedAt >= maxLagMs) {
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
  };
}
