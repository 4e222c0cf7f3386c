/**
 * Peak resident memory of each service process during a scenario, read from Linux's
 * /proc/<pid>/status: VmRSS sampled every few hundred milliseconds, and VmHWM (the kernel's own
 * high-water mark, which catches peaks between samples) reset at the start of each scenario by
 * writing 5 to /proc/<pid>/clear_refs. Where the reset is not allowed, the sampled peak stands alone.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { round } from './stats';

export interface WatchedProcess {
  /** Service name, e.g. `router` or `tickets`. */
  name: string;
  pid: () => number | undefined;
}

export interface PeakMemory {
  /**
   * Highest of the sampled VmRSS and the reset VmHWM, in MB of 10^6 bytes: the stricter reading
   * of the "250 MB" (a MiB is 1.05 MB).
   */
  peakMb: number;
  sampledPeakMb: number;
  hwmMb: number | null;
  /** Resident memory when the scenario ended. */
  endMb: number;
  samples: number;
}

function statusKb(pid: number, field: 'VmRSS' | 'VmHWM'): number | undefined {
  try {
    const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(
      readFileSync(`/proc/${pid}/status`, 'utf8'),
    );
    return match ? Number(match[1]) : undefined;
  } catch {
    return undefined; // the process is gone
  }
}

const mb = (kb: number) => round((kb * 1024) / 1e6, 1);

export class MemoryWatch {
  private timer: NodeJS.Timeout | undefined;
  private peaks = new Map<
    string,
    { peakKb: number; lastKb: number; samples: number; hwmReset: boolean }
  >();

  constructor(
    private readonly processes: WatchedProcess[],
    private readonly intervalMs = 200,
  ) {}

  /** Starts a scenario: resets high-water marks and begins sampling. */
  begin(): void {
    this.stopTimer();
    this.peaks.clear();
    for (const p of this.processes) {
      const pid = p.pid();
      let hwmReset = false;
      if (pid) {
        try {
          writeFileSync(`/proc/${pid}/clear_refs`, '5');
          hwmReset = true;
        } catch {
          hwmReset = false;
        }
      }
      this.peaks.set(p.name, { peakKb: 0, lastKb: 0, samples: 0, hwmReset });
    }
    this.sample();
    this.timer = setInterval(() => this.sample(), this.intervalMs);
    this.timer.unref();
  }

  /** Ends the scenario: the peak of every process since `begin()`. */
  end(): Record<string, PeakMemory> {
    this.sample();
    this.stopTimer();
    const result: Record<string, PeakMemory> = {};
    for (const p of this.processes) {
      const peak = this.peaks.get(p.name);
      const pid = p.pid();
      if (!peak || !pid) continue;
      const hwmKb = peak.hwmReset ? statusKb(pid, 'VmHWM') : undefined;
      result[p.name] = {
        peakMb: mb(Math.max(peak.peakKb, hwmKb ?? 0)),
        sampledPeakMb: mb(peak.peakKb),
        hwmMb: hwmKb === undefined ? null : mb(hwmKb),
        endMb: mb(peak.lastKb),
        samples: peak.samples,
      };
    }
    return result;
  }

  private sample(): void {
    for (const p of this.processes) {
      const pid = p.pid();
      const peak = this.peaks.get(p.name);
      if (!pid || !peak) continue;
      const kb = statusKb(pid, 'VmRSS');
      if (kb === undefined) continue;
      peak.lastKb = kb;
      peak.samples += 1;
      if (kb > peak.peakKb) peak.peakKb = kb;
    }
  }

  private stopTimer(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }
}
