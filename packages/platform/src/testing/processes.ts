import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync, type WriteStream } from 'node:fs';
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
}

/** A real child process (one service instance) that can be stopped and started again. */
export class ManagedProcess {
  private child: ChildProcess | undefined;
  private log: WriteStream | undefined;
  private exited: Promise<number | null> = Promise.resolve(null);

  constructor(readonly spec: ProcessSpec) {}

  get running(): boolean {
    return (
      this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null
    );
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  async start(healthTimeoutMs = 30_000): Promise<void> {
    if (this.running) return;
    mkdirSync(dirname(this.spec.logFile), { recursive: true });
    this.log = createWriteStream(this.spec.logFile, { flags: 'a' });
    const child = spawn(this.spec.command, this.spec.args, {
      cwd: this.spec.cwd,
      env: { ...process.env, ...this.spec.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    this.exited = new Promise((resolve) => child.once('exit', (code) => resolve(code)));
    const forward = (chunk: Buffer) => {
      this.log?.write(chunk);
      if (this.spec.echo) process.stdout.write(prefixLines(this.spec.name, chunk.toString('utf8')));
    };
    child.stdout?.on('data', forward);
    child.stderr?.on('data', forward);
    if (this.spec.healthUrl) {
      try {
        await waitForHealthy(this.spec.healthUrl, healthTimeoutMs, () => this.running);
      } catch (error) {
        await this.stop();
        throw new Error(
          `${this.spec.name} did not start: ${(error as Error).message}; log: ${this.spec.logFile}`,
        );
      }
    }
  }

  /** SIGTERM (graceful shutdown), then SIGKILL if it lingers. */
  async stop(graceMs = 10_000): Promise<void> {
    const child = this.child;
    if (!child || !this.running) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    await this.exited;
    clearTimeout(timer);
    await new Promise<void>((resolve) => (this.log ? this.log.end(resolve) : resolve()));
  }

  /** Simulates a crash: no shutdown handlers run. */
  async kill(): Promise<void> {
    if (!this.child || !this.running) return;
    this.child.kill('SIGKILL');
    await this.exited;
  }
}

function prefixLines(name: string, text: string): string {
  return text
    .split('\n')
    .filter((line) => line.length > 0)
    .map((line) => `${name.padEnd(13)}| ${line}\n`)
    .join('');
}
