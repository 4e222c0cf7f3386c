import type { Logger } from '@ko/platform/logger';
import { tokenRefusal, viewerFromAuthorization, type TokenVerifier } from '@ko/platform/auth';

/** The part of a WebSocket the watch needs: hang up with a code and a reason. */
export interface WatchedSocket {
  close(code: number, reason: string): void;
}

/** How many turns an interval is cut into (fewer when the interval is short). */
const MAX_SLOTS = 30;
/** Shortest time between two turns. */
const MIN_TURN_MS = 100;

/**
 * Signed-in sockets are checked at connect and then again every `intervalMs`: a token that has
 * since expired, or whose session ended (signOutEverywhere, a password reset, a closed account),
 * loses its socket with `closeCode` instead of following sales until it reconnects. A check
 * that cannot be made (users unreachable) keeps the socket: the next round tries again.
 *
 * The sockets are dealt round-robin into slots, and one slot is checked per turn, so each socket
 * is still checked once an interval but the checks are spread over it: checking thousands of
 * sockets at once (a waiting room's fans) asked the users service thousands of questions in the
 * same instant every interval, and the sale stalled behind them.
 */
export class SessionWatch {
  private readonly slots: Array<Map<WatchedSocket, string>>;
  private readonly slotOf = new Map<WatchedSocket, number>();
  private nextSlot = 0;
  private turn = 0;
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly verify: TokenVerifier,
    intervalMs: number,
    private readonly closeCode: number,
    private readonly logger: Logger,
  ) {
    const count = Math.max(1, Math.min(MAX_SLOTS, Math.floor(intervalMs / MIN_TURN_MS)));
    this.slots = Array.from({ length: count }, () => new Map());
    this.timer = setInterval(() => void this.checkNextSlot(), intervalMs / count);
    this.timer.unref();
  }

  watch(socket: WatchedSocket, authorization: string): void {
    this.forget(socket);
    const slot = this.nextSlot++ % this.slots.length;
    this.slots[slot]!.set(socket, authorization);
    this.slotOf.set(socket, slot);
  }

  forget(socket: WatchedSocket): void {
    const slot = this.slotOf.get(socket);
    if (slot === undefined) return;
    this.slots[slot]!.delete(socket);
    this.slotOf.delete(socket);
  }

  get size(): number {
    return this.slotOf.size;
  }

  /** Checks one slot's sockets: the next turn of the interval. */
  async checkNextSlot(): Promise<void> {
    const slot = this.slots[this.turn++ % this.slots.length]!;
    await Promise.all(
      [...slot].map(([socket, authorization]) => this.check(socket, authorization)),
    );
  }

  private async check(socket: WatchedSocket, authorization: string): Promise<void> {
    try {
      await viewerFromAuthorization(authorization, this.verify);
    } catch (error) {
      const { message, final } = tokenRefusal(error);
      if (!final) return;
      this.forget(socket);
      this.logger.info({ reason: message }, 'closing a socket whose session ended');
      socket.close(this.closeCode, message.slice(0, 120));
    }
  }

  stop(): void {
    clearInterval(this.timer);
    this.slots.forEach((slot) => slot.clear());
    this.slotOf.clear();
  }
}
