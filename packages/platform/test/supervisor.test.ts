import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  ManagedProcess,
  RestartBackoff,
  Supervisor,
  describeExit,
  humanDuration,
} from '../src/deployment';
import { eventually } from '../src/testing/eventually';

const POLICY = { initialDelayMs: 100, maxDelayMs: 400, stableAfterMs: 5_000 };

describe('RestartBackoff', () => {
  it('doubles the wait with each crash in a row, up to the cap', () => {
    const backoff = new RestartBackoff(POLICY);
    expect([0, 0, 0, 0, 0].map(() => backoff.next(10))).toEqual([100, 200, 400, 400, 400]);
  });

  it('starts again from the first wait after a process stayed up long enough', () => {
    const backoff = new RestartBackoff(POLICY);
    backoff.next(10);
    backoff.next(10);
    expect(backoff.next(5_000)).toBe(100);
    expect(backoff.next(10)).toBe(200);
  });
});

describe('describeExit', () => {
  it('says how the process ended, after how long, and its last words', () => {
    expect(
      describeExit({
        code: null,
        signal: 'SIGABRT',
        requested: false,
        uptimeMs: 125_000,
        lastWords:
          'FATAL ERROR: Reached heap limit Allocation failed - JavaScript heap out of memory',
      }),
    ).toBe(
      'signal SIGABRT after 2m 5s; last words: "FATAL ERROR: Reached heap limit Allocation failed - JavaScript heap out of memory"',
    );
    expect(
      describeExit({
        code: 1,
        signal: null,
        requested: false,
        uptimeMs: 800,
        lastWords: undefined,
      }),
    ).toBe('exit code 1 after 0.8s');
    expect(humanDuration(30_000)).toBe('30s');
  });
});

/** A real child process running a line of JavaScript. */
function nodeProcess(name: string, script: string, nodeArgs: string[] = []): ManagedProcess {
  return new ManagedProcess({
    name,
    command: process.execPath,
    args: [...nodeArgs, '-e', script],
    cwd: tmpdir(),
    env: {},
    logFile: join(tmpdir(), `ko-supervisor-test-${process.pid}-${name}.log`),
  });
}

const STAYS_UP = 'setInterval(() => {}, 1000)';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('Supervisor', () => {
  let lines: string[];
  let supervisor: Supervisor;
  const started: ManagedProcess[] = [];
  const supervised = (name: string, script: string, nodeArgs: string[] = []) => {
    const instance = nodeProcess(name, script, nodeArgs);
    started.push(instance);
    supervisor.watch(instance);
    return instance;
  };

  beforeEach(() => {
    lines = [];
    supervisor = new Supervisor((line) => lines.push(line), POLICY);
  });

  afterEach(async () => {
    supervisor.stop();
    for (const instance of started.splice(0)) {
      await instance.stop();
      rmSync(instance.spec.logFile, { force: true });
    }
  });

  it('restarts a process that was killed, and says what died and why', async () => {
    const instance = supervised('web#1', STAYS_UP);
    await instance.start();
    const firstPid = instance.pid;
    await instance.kill();
    await eventually(
      'restarted',
      () => lines,
      (l) => l.some((line) => line.includes('is back')),
    );
    expect(lines[0]).toMatch(
      /^web#1 exited \(signal SIGKILL after [\d.]+s\); restarting in 0\.1s$/,
    );
    expect(instance.running).toBe(true);
    expect(instance.pid).not.toBe(firstPid);
    expect(supervisor.restarts(instance)).toBe(1);
  });

  it('backs off ever longer while a process keeps crashing, quoting its last words', async () => {
    const instance = supervised(
      'crashy#1',
      'console.error("starting"); throw new Error("cannot reach the database")',
    );
    await instance.start();
    const waits = await eventually(
      'four restarts scheduled',
      () => lines.filter((line) => line.includes('restarting in')),
      (l) => l.length >= 4,
    );
    expect(waits[0]).toContain('exit code 1');
    expect(waits[0]).toContain('last words: "Error: cannot reach the database"');
    expect(waits.slice(0, 4).map((line) => /restarting in ([\d.]+s)$/.exec(line)?.[1])).toEqual([
      '0.1s',
      '0.2s',
      '0.4s',
      '0.4s',
    ]);
  });

  it('names running out of heap as the reason, not the native stack trace printed after it', async () => {
    const instance = supervised(
      'hungry#1',
      'const hoard = []; setTimeout(() => { for (;;) hoard.push(new Array(100_000).fill(1)); }, 50)',
      ['--max-old-space-size=16'],
    );
    await instance.start();
    const [line] = await eventually(
      'the crash reported',
      () => lines,
      (l) => l.length > 0,
    );
    expect(line).toMatch(
      /^hungry#1 exited \(signal SIGABRT after [\d.]+s; last words: "FATAL ERROR: Reached heap limit .*heap out of memory"\); restarting in 0\.1s$/,
    );
  });

  it('leaves a process alone that was stopped on purpose', async () => {
    const instance = supervised('quiet#1', STAYS_UP);
    await instance.start();
    await instance.stop();
    await sleep(POLICY.initialDelayMs * 3);
    expect(instance.running).toBe(false);
    expect(lines).toEqual([]);
  });

  it('restarts nothing once stopped, even a crash whose restart was already scheduled', async () => {
    const instance = supervised('late#1', STAYS_UP);
    await instance.start();
    await instance.kill();
    expect(lines).toHaveLength(1); // the restart is scheduled
    supervisor.stop();
    await sleep(POLICY.initialDelayMs * 3);
    expect(instance.running).toBe(false);
    expect(supervisor.restarts(instance)).toBe(0);
  });

  it('does not restart a crashed process that its owner stops before the restart is due', async () => {
    const instance = supervised('owned#1', STAYS_UP);
    await instance.start();
    await instance.kill();
    await instance.stop();
    await sleep(POLICY.initialDelayMs * 3);
    expect(instance.running).toBe(false);
    expect(supervisor.restarts(instance)).toBe(0);
  });
});
