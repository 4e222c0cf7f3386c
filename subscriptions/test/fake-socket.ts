import type { ClientSocket } from '../src/fanout';

/** A client socket without a network: what the fan-out did to it, and its pongs on demand. */
export class FakeSocket implements ClientSocket {
  bufferedAmount = 0;
  closedWith: { code: number; reason: string } | undefined;
  terminated = false;
  /** The payload of each ping sent, in order. */
  readonly pings: Buffer[] = [];
  private readonly pongListeners = new Set<(data: Buffer) => void>();

  close(code: number, reason: string) {
    this.closedWith = { code, reason };
  }
  terminate() {
    this.terminated = true;
  }
  ping(data: Buffer) {
    this.pings.push(data);
  }
  on(_event: 'pong', listener: (data: Buffer) => void) {
    this.pongListeners.add(listener);
  }
  off(_event: 'pong', listener: (data: Buffer) => void) {
    this.pongListeners.delete(listener);
  }
  /** The client answers a ping, as a WebSocket client does once it has read up to it. */
  pong(data: Buffer) {
    for (const listener of this.pongListeners) listener(data);
  }
  get listeningForPongs(): number {
    return this.pongListeners.size;
  }
}
