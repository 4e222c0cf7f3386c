// Running the engine's and the system's commands for `npm run test:containers`: each command's
// output goes to one log file (the run's), and a failure names the command and ends with the
// tail of what it printed.
import { spawn, type SpawnOptions } from 'node:child_process';
import { appendFileSync } from 'node:fs';

export interface RunOptions {
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** Text written to the command's stdin. */
  input?: string;
  /** Kills the command (SIGTERM, then SIGKILL) after this long. */
  timeoutMs?: number;
  /** Resolve with the result instead of throwing on a non-zero exit. */
  allowFailure?: boolean;
}

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

let logFile: string | undefined;

/** Where every command's output is appended (the run's log). */
export function setCommandLog(path: string): void {
  logFile = path;
}

const note = (text: string) => {
  if (logFile) appendFileSync(logFile, text);
};

export class CommandError extends Error {
  override name = 'CommandError';
  constructor(
    readonly command: string,
    readonly result: RunResult,
  ) {
    const tail = (result.stderr.trim() || result.stdout.trim()).split('\n').slice(-15).join('\n');
    super(`\`${command}\` failed (exit ${result.code})${tail ? `:\n${tail}` : ''}`);
  }
}

export function run(cmd: string, args: string[], opts: RunOptions = {}): Promise<RunResult> {
  const line = [cmd, ...args].join(' ');
  note(`\n$ ${line}\n`);
  const options: SpawnOptions = {
    cwd: opts.cwd,
    env: opts.env ?? process.env,
    stdio: [opts.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
  };
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, options);
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      note(chunk.toString());
    });
    child.stderr!.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      note(chunk.toString());
    });
    let timer: NodeJS.Timeout | undefined;
    if (opts.timeoutMs)
      timer = setTimeout(() => {
        stderr += `\n(killed after ${opts.timeoutMs} ms)`;
        child.kill('SIGTERM');
        setTimeout(() => child.kill('SIGKILL'), 5000).unref();
      }, opts.timeoutMs);
    child.on('error', (error) => {
      clearTimeout(timer);
      if (opts.allowFailure) resolve({ code: 127, stdout, stderr: `${stderr}${error.message}` });
      else reject(error);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const result = { code: code ?? (signal ? 128 : 1), stdout, stderr };
      if (result.code !== 0 && !opts.allowFailure) reject(new CommandError(line, result));
      else resolve(result);
    });
    if (child.stdin) {
      child.stdin.on('error', () => undefined); // a command that exits without reading it
      child.stdin.end(opts.input);
    }
  });
}

/** Whether `cmd args` exits 0 (never throws). */
export async function succeeds(cmd: string, args: string[], opts: RunOptions = {}) {
  return (await run(cmd, args, { ...opts, allowFailure: true })).code === 0;
}
