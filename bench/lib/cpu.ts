/**
 * What a unit of work costs in CPU, per process: user + system time of each watched process
 * read from Linux's /proc/<pid>/stat (every thread of the process) at the start and end of a
 * measured window, and the machine's busy time from /proc/stat over the same window. What the
 * watched processes do not account for is reported as "the rest" (the load generator's own
 * process is watched, so the rest is other work on the machine: the kernel's softirq time for
 * loopback traffic, and anything else running).
 *
 * Processes that start inside the window (a new PostgreSQL backend) count from zero; processes
 * that end inside it keep what was last sampled, so the watch samples every half second.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { round } from './stats';

/** The CPU source name of the bench's own process. */
export const LOAD_GENERATOR = 'load generator';
/** Sources that are not part of the stack: the load generator and the comparisons. */
const NOT_STACK = new Set([LOAD_GENERATOR, 'hive-gateway', 'hive-router-runtime', 'chat-floor']);

/** CPU ms of the stack's own processes (services, PostgreSQL backends, Kafka). */
export const stackCpuMs = (usage: CpuUsage): number =>
  Object.entries(usage.byProcess)
    .filter(([name]) => !NOT_STACK.has(name))
    .reduce((sum, [, ms]) => sum + ms, 0);

export interface CpuSource {
  /** e.g. `router`, `tickets`, `postgres backends`. */
  name: string;
  /** The process ids that make up this source now (may change during the window). */
  pids: () => number[];
}

export interface CpuUsage {
  wallSeconds: number;
  /** CPU milliseconds per source over the window. */
  byProcess: Record<string, number>;
  /** Busy CPU milliseconds of the whole machine (every core) over the window. */
  machineBusyMs: number;
  /** machineBusyMs minus every watched source (≥ 0). */
  restMs: number;
  cores: number;
}

const CLOCK_TICKS = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
})();

/** utime + stime and start time (both in clock ticks) of one process, or undefined if gone. */
function processTicks(pid: number): { busy: number; startedAt: number } | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces: fields are counted after its closing paren.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // fields[0] is field 3 (state): utime is field 14, stime 15, starttime 22.
    return { busy: Number(fields[11]) + Number(fields[12]), startedAt: Number(fields[19]) };
  } catch {
    return undefined;
  }
}

/** Busy and total ticks of all cores together, from the first line of /proc/stat. */
function machineTicks(): { busy: number; total: number } {
  const line = readFileSync('/proc/stat', 'utf8').split('\n')[0];
  // cpu user nice system idle iowait irq softirq steal guest guest_nice (guest is inside user).
  const v = line.trim().split(/\s+/).slice(1, 9).map(Number);
  const total = v.reduce((a, b) => a + b, 0);
  return { busy: total - v[3] - v[4], total };
}

const uptimeTicks = () => Number(readFileSync('/proc/uptime', 'utf8').split(' ')[0]) * CLOCK_TICKS;

/** The pid and every descendant of it (a broker started through a shell script, for one). */
export function withDescendants(root: number | undefined): number[] {
  if (!root) return [];
  const children = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      const list = children.get(ppid) ?? [];
      list.push(Number(entry));
      children.set(ppid, list);
    } catch {
      // gone meanwhile
    }
  }
  const out: number[] = [];
  const walk = (pid: number) => {
    out.push(pid);
    for (const child of children.get(pid) ?? []) walk(child);
  };
  walk(root);
  return out;
}

export class CpuWatch {
  private timer: NodeJS.Timeout | undefined;
  /** Per source, per pid: ticks at the start of the window and the latest sample. */
  private readings = new Map<string, Map<number, { first: number; last: number }>>();
  private windowStart = { wall: 0, uptime: 0, machine: { busy: 0, total: 0 } };

  constructor(
    private readonly sources: CpuSource[],
    private readonly intervalMs = 500,
  ) {}

  begin(): void {
    this.stopTimer();
    this.readings.clear();
    this.windowStart = { wall: Date.now(), uptime: uptimeTicks(), machine: machineTicks() };
    for (const source of this.sources) this.readings.set(source.name, new Map());
    this.sample();
    this.timer = setInterval(() => this.sample(), this.intervalMs);
    this.timer.unref();
  }

  end(): CpuUsage {
    this.sample();
    this.stopTimer();
    const machine = machineTicks();
    const ms = (ticks: number) => (ticks * 1000) / CLOCK_TICKS;
    const byProcess: Record<string, number> = {};
    for (const [name, pids] of this.readings) {
      let ticks = 0;
      for (const { first, last } of pids.values()) ticks += last - first;
      byProcess[name] = round(ms(ticks), 0);
    }
    const machineBusyMs = round(ms(machine.busy - this.windowStart.machine.busy), 0);
    const watched = Object.values(byProcess).reduce((a, b) => a + b, 0);
    return {
      wallSeconds: round((Date.now() - this.windowStart.wall) / 1000, 2),
      byProcess,
      machineBusyMs,
      restMs: Math.max(0, round(machineBusyMs - watched, 0)),
      cores: Math.round(
        (machine.total - this.windowStart.machine.total) /
          CLOCK_TICKS /
          Math.max(0.001, (Date.now() - this.windowStart.wall) / 1000),
      ),
    };
  }

  private sample(): void {
    for (const source of this.sources) {
      const pids = this.readings.get(source.name);
      if (!pids) continue;
      let current: number[];
      try {
        current = source.pids();
      } catch {
        continue;
      }
      for (const pid of current) {
        const now = processTicks(pid);
        if (!now) continue;
        const known = pids.get(pid);
        if (known) known.last = now.busy;
        // Started inside the window: all of its time is the window's.
        else
          pids.set(pid, {
            first: now.startedAt > this.windowStart.uptime ? 0 : now.busy,
            last: now.busy,
          });
      }
    }
  }

  private stopTimer(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }
}

/** Two windows' usage together: a target's rounds, taken in turns with other targets'. */
export function addUsage(a: CpuUsage | undefined, b: CpuUsage): CpuUsage {
  if (!a) return b;
  const byProcess = { ...a.byProcess };
  for (const [name, ms] of Object.entries(b.byProcess))
    byProcess[name] = (byProcess[name] ?? 0) + ms;
  return {
    wallSeconds: round(a.wallSeconds + b.wallSeconds, 2),
    byProcess,
    machineBusyMs: a.machineBusyMs + b.machineBusyMs,
    restMs: a.restMs + b.restMs,
    cores: b.cores,
  };
}

/** CPU per unit of work, per source: `scale` 1 gives ms per unit, 1000 µs per unit. */
export function perUnit(usage: CpuUsage, units: number, scale: number): Record<string, number> {
  const out: Record<string, number> = {};
  if (units <= 0) return out;
  for (const [name, ms] of Object.entries(usage.byProcess))
    out[name] = round((ms * scale) / units, 3);
  out['the rest'] = round((usage.restMs * scale) / units, 3);
  out.machine = round((usage.machineBusyMs * scale) / units, 3);
  return out;
}
