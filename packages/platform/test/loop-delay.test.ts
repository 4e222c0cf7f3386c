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

  it('reads a loop stalled through a whole window as late as the stall', async () => {
    delay = new LoopDelay(100);
    await sleep(250);
    const stallEnds = performance.now() + 600;
    while (performance.now() < stallEnds); // a stall: the loop does not turn
    // Asked before the loop came round to its reading: as late as the reading is overdue.
    expect(delay.currentMs).toBeGreaterThan(300);
    // And once read, whatever the histogram held.
    await sleep(20);
    expect(delay.currentMs).toBeGreaterThan(300);
  });

  it('does not read one pause among short turns as overload', async () => {
    delay = new LoopDelay(300);
    await sleep(350);
    await longTurns(60, 1);
    await sleep(320);
    expect(delay.currentMs).toBeLessThan(20);
  });
});
