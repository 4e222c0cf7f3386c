import { HeapRelease } from '../src/heap-release';

const options = { minPeak: 100, leftShare: 0.25, delayMs: 1_000 };

describe('HeapRelease', () => {
  let open: number;
  let collections: number;
  let release: HeapRelease;
  const to = (n: number) => {
    open = n;
    release.observe();
  };

  beforeEach(() => {
    jest.useFakeTimers();
    open = 0;
    collections = 0;
    release = new HeapRelease(
      () => open,
      () => (collections += 1),
      options,
    );
  });
  afterEach(() => {
    release.stop();
    jest.useRealTimers();
  });

  it('collects twice, once, after a crowd has left', () => {
    for (const n of [50, 100, 200, 120, 60]) to(n);
    jest.advanceTimersByTime(5_000);
    expect(collections).toBe(0);
    to(50);
    to(40);
    expect(collections).toBe(0);
    jest.advanceTimersByTime(1_000);
    expect(collections).toBe(2);
    expect(release.released).toBe(1);
    // The same small number of sockets afterwards is no new departure.
    to(30);
    to(45);
    jest.advanceTimersByTime(5_000);
    expect(collections).toBe(2);
  });

  it('collects again after the next crowd leaves', () => {
    to(400);
    to(20);
    jest.advanceTimersByTime(1_000);
    to(300);
    to(60);
    jest.advanceTimersByTime(1_000);
    expect(release.released).toBe(2);
  });

  it('leaves a small crowd alone', () => {
    to(99);
    to(0);
    jest.advanceTimersByTime(5_000);
    expect(collections).toBe(0);
  });

  it('does nothing without a collector (no --expose-gc)', () => {
    release = new HeapRelease(() => open, undefined, options);
    to(1_000);
    to(0);
    jest.advanceTimersByTime(5_000);
    expect(release.released).toBe(0);
  });
});
