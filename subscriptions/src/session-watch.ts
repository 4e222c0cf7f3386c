import type { Logger } from '@ko/platform/logger';
import { tokenRefusal, viewerFromAuthorization, type TokenVerifier } from '@ko/platform/auth';

/** The part of a WebSocket the watch needs: hang up with a code and a reason. */
export interface WatchedSocket {
  close(code: number, reason: string): void;
}

/**
 * Signed-in sockets are checked at connect and then again every `intervalMs`: a token that has
 * since expired, or whose session ended (signOutEverywhere, a password reset, a closed account),
 * loses its socket with `closeCode` instead of following sales until it reconnects. A check
 * that cannot be made (users unreachable) keeps the socket: the next round tries again.
 */
export class SessionWatch {
  private readonly watched = new Map<WatchedSocket, string>();
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly verify: TokenVerifier,
    intervalMs: number,
    private readonly closeCode: number,
    private readonly logger: Logger,
  ) {
    this.timer = setInterval(() => void this.recheck(), intervalMs);
    this.timer.unref();
  }

  watch(socket: WatchedSocket, authorization: string): void {
    this.watched.set(socket, authorization);
  }

  forget(socket: WatchedSocket): void {
    this.watched.delete(socket);
  }

  get size(): number {
    return this.watched.size;
  }

  async recheck(): Promise<void> {
    await Promise.all(
      [...this.watched].map(async ([socket, authorization]) => {
        try {
          await viewerFromAuthorization(authorization, this.verify);
        } catch (error) {
          const { message, final } = tokenRefusal(error);
          if (!final) return;
          this.watched.delete(socket);
          this.logger.info({ reason: message }, 'closing a socket whose session ended');
          socket.close(this.closeCode, message.slice(0, 120));
        }
      }),
    );
  }

  stop(): void {
    clearInterval(this.timer);
    this.watched.clear();
  }
}
