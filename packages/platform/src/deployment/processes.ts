import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, fchmodSync, mkdirSync, openSync, type WriteStream } from 'node:fs';
import { createServer } from 'node:net';
import { dirname } from 'node:path';

/**
 * Ports handed out come from below the kernel's ephemeral range (32768+ on Linux), in a block of
 * their own per jest worker: a port picked from the ephemeral range can be taken by any outgoing
 * connection (to PostgreSQL, Kafka, ...) before the service it was meant for listens on it.
 */
const PORT_BLOCK = { first: 20_000, size: 1_500, blocks: 8 };
const handedOut = new Set<number>();
let nextPort = -1;

function canListen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.unref();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/** A free TCP port on loopback, for services started by tests, never the same one twice. */
export async function freePort(): Promise<number> {
  const block = Number(process.env.JEST_WORKER_ID ?? 0) % PORT_BLOCK.blocks;
  const first = PORT_BLOCK.first + block * PORT_BLOCK.size;
  if (nextPort < 0) nextPort = Math.floor(Math.random() * PORT_BLOCK.size);
  for (let tries = 0; tries < PORT_BLOCK.size; tries++) {
    const port = first + (nextPort++ % PORT_BLOCK.size);
    if (!handedOut.has(port) && (await canListen(port))) {
      handedOut.add(port);
      return port;
    }
  }
  throw new Error(`no free port left in ${first}..${first + PORT_BLOCK.size - 1}`);
}

/** Polls a URL until it answers 200, or fails after `timeoutMs` (returning the last answer). */
export async function waitForHealthy(
  url: string,
  timeoutMs: number,
  isAlive: () => boolean = () => true,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = 'no answer';
  while (Date.now() < deadline) {
    if (!isAlive()) throw new Error(`process exited before ${url} became healthy`);
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(1_000) });
      if (response.ok) return;
      last = `HTTP ${response.status}: ${(await response.text()).slice(0, 300)}`;
    } catch (error) {
      last = error instanceof Error ? error.message : String(error);
    }
    await new Promise((r) => setTimeout(r, 150));
  }
  throw new Error(`${url} not healthy after ${timeoutMs} ms (${last})`);
}

export interface ProcessSpec {
  name: string;
  command: string;
  args: string[];
  cwd: string;
  env: Record<string, string>;
  /** Where stdout and stderr go; the file keeps the service's structured logs. */
  logFile: string;
  healthUrl?: string;
  /** Also echo output to the parent's stdout with a name prefix (npm start). */
  echo?: boolean;
  /**
   * Its own process group, so a Ctrl-C in the terminal reaches only the parent, which then stops
   * its children in order (npm start). Without it a terminal's signal reaches every process at
   * once, and a supervisor could not tell that exit from a crash.
   */
  detached?: boolean;
}

/** How a process ended. */
export interface ProcessExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** True when `stop()` asked for it; false for a crash (or `kill()`, which simulates one). */
  requested: boolean;
  /** How long it ran, in milliseconds. */
  uptimeMs: number;
  /** Its last error on stderr or fatal log message, if any: usually why it died. */
  lastWords: string | undefined;
}

const PINO_FATAL = 60;
/** A line of stderr that states an error: `FATAL ERROR: … heap out of memory`, `TypeError: …`. */
const ERROR_STATEMENT = /^(FATAL ERROR|[A-Za-z]*(Error|Exception))\b/;

/** The message of a pino log line at level fatal (a service that failed to start), else undefined. */
function fatalLogMessage(line: string): string | undefined {
  if (!line.startsWith('{')) return undefined;
  try {
    const entry = JSON.parse(line) as { level?: number; msg?: string };
    return (entry.level ?? 0) >= PINO_FATAL ? entry.msg : undefined;
  } catch {
    return undefined;
  }
}

/** A real child process (one service instance) that can be stopped and started again. */
export class ManagedProcess {
  private child: ChildProcess | undefined;
  private log: WriteStream | undefined;
  private exited: Promise<void> = Promise.resolve();
  private stopping: Promise<void> | undefined;
  private startedAt = 0;
  /** Whether the process should be running: `start()` says yes, `stop()` no, a crash neither. */
  private wanted = false;
  private lastWords: string | undefined;
  private readonly exitListeners: Array<(exit: ProcessExit) => void> = [];

  constructor(readonly spec: ProcessSpec) {}

  get running(): boolean {
    return (
      this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null
    );
  }

  /** True from `start()` until `stop()`: a process that died while wanted has crashed. */
  get wantedRunning(): boolean {
    return this.wanted;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** Called on every exit of the process, requested or not. */
  onExit(listener: (exit: ProcessExit) => void): void {
    this.exitListeners.push(listener);
  }

  async start(healthTimeoutMs = 30_000): Promise<void> {
    this.wanted = true;
    if (this.running) return;
    // Logs are private to the user running the platform: they name accounts and addresses.
    mkdirSync(dirname(this.spec.logFile), { recursive: true, mode: 0o700 });
    if (!this.log) {
      const fd = openSync(this.spec.logFile, 'a', 0o600);
      fchmodSync(fd, 0o600); // the mode above applies only when the file is created
      this.log = createWriteStream('', { fd });
    }
    this.lastWords = undefined;
    const child = spawn(this.spec.command, this.spec.args, {
      cwd: this.spec.cwd,
      env: { ...process.env, ...this.spec.env },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: this.spec.detached ?? false,
    });
    this.child = child;
    this.startedAt = Date.now();
    // 'close' rather than 'exit': by then the last output has been read.
    this.exited = new Promise((resolve) =>
      child.once('close', (code: number | null, signal: NodeJS.Signals | null) => {
        const exit: ProcessExit = {
          code,
          signal,
          requested: !this.wanted,
          uptimeMs: Date.now() - this.startedAt,
          lastWords: this.lastWords,
        };
        for (const listener of this.exitListeners) listener(exit);
        resolve();
      }),
    );
    child.stdout?.on('data', (chunk: Buffer) => this.forward(chunk, 'stdout'));
    child.stderr?.on('data', (chunk: Buffer) => this.forward(chunk, 'stderr'));
    if (this.spec.healthUrl) {
      try {
        await waitForHealthy(this.spec.healthUrl, healthTimeoutMs, () => this.running);
      } catch (error) {
        await this.stopChild();
        throw new Error(
          `${this.spec.name} did not start: ${(error as Error).message}` +
            `${this.lastWords ? ` (its last words: ${this.lastWords})` : ''}; log: ${this.spec.logFile}`,
        );
      }
    }
  }

  /** SIGTERM (graceful shutdown), then SIGKILL if it lingers. It stays down. */
  async stop(graceMs = 10_000): Promise<void> {
    this.wanted = false;
    await this.stopChild(graceMs);
    const log = this.log;
    this.log = undefined;
    if (log) await new Promise<void>((resolve) => log.end(resolve));
  }

  /** Simulates a crash: no shutdown handlers run, and it counts as an unexpected exit. */
  async kill(): Promise<void> {
    if (!this.child || !this.running) return;
    this.child.kill('SIGKILL');
    await this.exited;
  }

  /** One SIGTERM however many callers ask: a second one would make a service exit at once. */
  private stopChild(graceMs = 10_000): Promise<void> {
    const child = this.child;
    if (!child || !this.running) return this.exited;
    this.stopping ??= (async () => {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await this.exited;
      clearTimeout(timer);
      this.stopping = undefined;
    })();
    return this.stopping;
  }

  private forward(chunk: Buffer, stream: 'stdout' | 'stderr'): void {
    this.log?.write(chunk);
    const text = chunk.toString('utf8');
    for (const line of text.split('\n')) {
      const words =
        stream === 'stderr' && ERROR_STATEMENT.test(line.trim())
          ? line.trim()
          : fatalLogMessage(line);
      if (words) this.lastWords = words;
    }
    if (this.spec.echo) process.stdout.write(prefixLines(this.spec.name, text));
  }
}

function prefixLines(name: string, text: string): string {
  return text
    .split('\n')
    .filter((line) => line.length > 0)
    .map((line) => `${name.padEnd(13)}| ${line}\n`)
    .join('');
}
