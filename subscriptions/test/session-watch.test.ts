import { createLogger, DomainError } from '@ko/platform';
import type { Viewer } from '@ko/platform/auth';
import { SessionWatch, type WatchedSocket } from '../src/session-watch';

/** Sockets whose token is `Bearer <name>`; a name in `ended` has lost its session. */
function fixture(count: number, intervalMs: number) {
  const ended = new Set<string>();
  const unreachable = { now: false };
  const checks: Array<{ at: number; token: string }> = [];
  const verify = async (token: string): Promise<Viewer> => {
    checks.push({ at: Date.now(), token });
    if (unreachable.now) throw new DomainError('SERVICE_UNAVAILABLE', 'Users is away.');
    if (ended.has(token)) throw new DomainError('UNAUTHENTICATED', 'Your session has ended.');
    return { id: token, role: 'FAN' };
  };
  const watch = new SessionWatch(verify, intervalMs, 4401, createLogger('test', 'silent'));
  const closed: string[] = [];
  const sockets = Array.from({ length: count }, (_, i) => {
    const socket: WatchedSocket = { close: () => closed.push(`fan-${i}`) };
    watch.watch(socket, `Bearer fan-${i}`);
    return socket;
  });
  return { watch, sockets, checks, ended, closed, unreachable };
}

describe('SessionWatch', () => {
  beforeEach(() => jest.useFakeTimers({ now: 0 }));
  afterEach(() => jest.useRealTimers());

  it('checks every socket once an interval, spread over it rather than all at once', async () => {
    const { watch, checks } = fixture(300, 30_000);
    await jest.advanceTimersByTimeAsync(30_000);
    const perSocket = new Map<string, number>();
    for (const c of checks) perSocket.set(c.token, (perSocket.get(c.token) ?? 0) + 1);
    expect(perSocket.size).toBe(300);
    expect([...perSocket.values()].every((n) => n === 1)).toBe(true);
    // 30 turns of 1 s: 10 sockets each, never the 300 at once.
    const perInstant = new Map<number, number>();
    for (const c of checks) perInstant.set(c.at, (perInstant.get(c.at) ?? 0) + 1);
    expect(perInstant.size).toBe(30);
    expect(Math.max(...perInstant.values())).toBe(10);
    watch.stop();
  });

  it('closes a socket whose session ended within an interval, and stops checking it', async () => {
    const { watch, ended, closed, checks } = fixture(50, 1_000);
    ended.add('fan-7');
    await jest.advanceTimersByTimeAsync(1_000);
    expect(closed).toEqual(['fan-7']);
    expect(watch.size).toBe(49);
    checks.length = 0;
    await jest.advanceTimersByTimeAsync(2_000);
    expect(checks.some((c) => c.token === 'fan-7')).toBe(false);
    expect(checks).toHaveLength(98);
    watch.stop();
  });

  it('keeps a socket when the check cannot be made, and forgets one that went away', async () => {
    const { watch, sockets, checks, closed, unreachable } = fixture(10, 1_000);
    unreachable.now = true;
    await jest.advanceTimersByTimeAsync(1_000);
    expect(checks).toHaveLength(10);
    expect(closed).toEqual([]);
    unreachable.now = false;
    watch.forget(sockets[3]!);
    checks.length = 0;
    await jest.advanceTimersByTimeAsync(1_000);
    expect(checks.map((c) => c.token)).not.toContain('fan-3');
    expect(checks).toHaveLength(9);
    expect(watch.size).toBe(9);
    watch.stop();
  });
});
