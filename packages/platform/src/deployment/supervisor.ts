import type { ManagedProcess, ProcessExit } from './processes';

export interface RestartPolicy {
  /** Wait before the first restart after a crash. */
  initialDelayMs: number;
  /** Each further crash in a row doubles the wait, up to this. */
  maxDelayMs: number;
  /** A process that ran at least this long before it died starts again from the first wait. */
  stableAfterMs: number;
  /** How long a restarted process has to answer its health check. */
  healthTimeoutMs: number;
}

export const DEFAULT_RESTART_POLICY: RestartPolicy = {
  initialDelayMs: 1_000,
  maxDelayMs: 30_000,
  stableAfterMs: 60_000,
  healthTimeoutMs: 60_000,
};

/**
 * Exponential back-off between restarts: a crash loop (a bad configuration, a database that is
 * away) is retried ever more slowly, never faster than `maxDelayMs`, and a process that stayed up
 * for `stableAfterMs` is forgiven its earlier crashes.
 */
export class RestartBackoff {
  private crashesInARow = 0;

  constructor(private readonly policy: Omit<RestartPolicy, 'healthTimeoutMs'>) {}

  /** The wait before the next start, given how long the process ran before this failure. */
  next(uptimeMs: number): number {
    if (uptimeMs >= this.policy.stableAfterMs) this.crashesInARow = 0;
    const delay = Math.min(
      this.policy.initialDelayMs * 2 ** this.crashesInARow,
      this.policy.maxDelayMs,
    );
    this.crashesInARow++;
    return delay;
  }
}

/** `1.5s`, `2m 5s`: for the one-line messages. */
export function humanDuration(ms: number): string {
  if (ms < 60_000) return `${Number((ms / 1000).toFixed(ms < 10_000 ? 1 : 0))}s`;
  const seconds = Math.round(ms / 1000);
  if (seconds < 3_600) return `${Math.floor(seconds / 60)}m ${seconds % 60}s`;
  return `${Math.floor(seconds / 3_600)}h ${Math.floor((seconds % 3_600) / 60)}m`;
}

/** `signal SIGKILL after 4m 2s; last words: "FATAL ERROR: …heap out of memory"` */
export function describeExit(exit: ProcessExit): string {
  const how = exit.signal ? `signal ${exit.signal}` : `exit code ${exit.code}`;
  const words = exit.lastWords ? `; last words: "${exit.lastWords.slice(0, 300)}"` : '';
  return `${how} after ${humanDuration(exit.uptimeMs)}${words}`;
}

/**
 * Restarts the processes it watches when they die without being asked to (a crash, an
 * out-of-memory kill, a SIGKILL), after a back-off, and says so in one line each time. It keeps
 * trying for as long as it runs: a service that cannot start (its database is away) comes back
 * on its own once it can, and the lines in the output say why it has not yet. `stop()` (and each
 * process's own `stop()`) ends supervision, so a shutdown never turns into restarts.
 */
export class Supervisor {
  private readonly policy: RestartPolicy;
  private stopped = false;
  private readonly timers = new Set<NodeJS.Timeout>();
  /** Processes between a crash and being healthy again: their exits are the restart's business. */
  private readonly restarting = new Set<ManagedProcess>();
  private readonly restartCounts = new Map<ManagedProcess, number>();

  constructor(
    private readonly log: (line: string) => void,
    policy: Partial<RestartPolicy> = {},
  ) {
    this.policy = { ...DEFAULT_RESTART_POLICY, ...policy };
  }

  watch(instance: ManagedProcess): void {
    const backoff = new RestartBackoff(this.policy);
    instance.onExit((exit) => {
      if (this.stopped || exit.requested || this.restarting.has(instance)) return;
      this.restarting.add(instance);
      this.schedule(
        instance,
        backoff,
        backoff.next(exit.uptimeMs),
        `exited (${describeExit(exit)})`,
      );
    });
  }

  /** How many times the process came back (started again, and healthy) after dying. */
  restarts(instance: ManagedProcess): number {
    return this.restartCounts.get(instance) ?? 0;
  }

  /** No more restarts: called first thing on shutdown. */
  stop(): void {
    this.stopped = true;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
  }

  private schedule(
    instance: ManagedProcess,
    backoff: RestartBackoff,
    delayMs: number,
    what: string,
  ): void {
    this.log(`${instance.spec.name} ${what}; restarting in ${humanDuration(delayMs)}`);
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      void this.restart(instance, backoff);
    }, delayMs);
    this.timers.add(timer);
  }

  private async restart(instance: ManagedProcess, backoff: RestartBackoff): Promise<void> {
    // Stopped meanwhile, by the supervisor or by whoever owns the process.
    const abandoned = () => this.stopped || !instance.wantedRunning;
    if (abandoned()) {
      this.restarting.delete(instance);
      return;
    }
    try {
      await instance.start(this.policy.healthTimeoutMs);
      if (!instance.running) throw new Error('it exited again right after its health check passed');
      this.restarting.delete(instance);
      const count = (this.restartCounts.get(instance) ?? 0) + 1;
      this.restartCounts.set(instance, count);
      this.log(`${instance.spec.name} is back (pid ${instance.pid}, restart ${count})`);
    } catch (error) {
      if (abandoned()) {
        this.restarting.delete(instance);
        return;
      }
      const reason = error instanceof Error ? error.message : String(error);
      this.schedule(instance, backoff, backoff.next(0), `did not come back (${reason})`);
    }
  }
}
