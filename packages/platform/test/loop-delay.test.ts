import { LoopDelay } from '../src/loop-delay';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Keeps the event loop busy: every turn of it takes `turnMs`, for `forMs`. */
async function longTurns(turnMs: number, forMs: number): Promise<void> {
  const until = performance.now() + forMs;
  while (performance.now() < until) {
    const turnEnds = performance.now() + turnMs;
    while (performance.now() < turnEnds); // busy on purpose: a turn that does not yield
    await new Promise((resolve) => setImmediate(resolve));
  }
}

describe('LoopDelay', () => {
  let delay: LoopDelay | undefined;
  afterEach(() => delay?.stop());

  it('reads a loop whose every turn is long as late by about a turn, and an idle loop as on time', async () => {
    delay = new LoopDelay(200);
    await sleep(450);
    expect(delay.currentMs).toBeLessThan(20);
    await longTurns(80, 650);
    expect(delay.currentMs).toBeGreaterThan(30);
    await sleep(450);
    expect(delay.currentMs).toBeLessThan(20);
  });

  it('reads a loop that has not turned for more than a window as late as that, for a window', async () => {
    delay = new LoopDelay(100);
    await sleep(250);
    const stallEnds = performance.now() + 600;
    while (performance.now() < stallEnds); // a stall: the loop does not turn
    // Asked before the loop came round to its reading (as the requests that waited through the
    // stall are): as late as the reading is overdue.
    expect(delay.currentMs).toBeGreaterThan(300);
    // And for the window after.
    await sleep(20);
    expect(delay.currentMs).toBeGreaterThan(300);
    // Then, turning on time again, it is on time.
    await sleep(250);
    expect(delay.currentMs).toBeLessThan(20);
  });

  it('does not read one long turn among short ones as overload, even while its reading waits', async () => {
    delay = new LoopDelay(300);
    // A 150 ms turn across the moment the reading is due (300 ms), which then comes late: checked
    // after each of the two readings that may hold it (its sample may come before or after the
    // first).
    await sleep(250);
    await longTurns(150, 1);
    expect(delay.currentMs).toBeLessThan(20);
    await sleep(170);
    expect(delay.currentMs).toBeLessThan(20);
    await sleep(300);
    expect(delay.currentMs).toBeLessThan(20);
  });
});
