import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';

/** How often the event loop's lateness is sampled (Node's timer resolution, ms). */
const RESOLUTION_MS = 10;

/**
 * How late this process's event loop runs: over each window, the median lateness of a timer due
 * every RESOLUTION_MS. A loop whose every turn is long is late; one long turn (a garbage
 * collection) among short ones is not. A loop that did not turn for more than a whole window
 * is as late as that, at once and for the window after: the requests that waited through the
 * stall are the first it handles when it turns again.
 */
export class LoopDelay {
  private readonly histogram: IntervalHistogram = monitorEventLoopDelay({
    resolution: RESOLUTION_MS,
  });
  private readonly timer: NodeJS.Timeout;
  private readAt = performance.now();
  /** The last window's lateness, ms. */
  private lateMs = 0;

  constructor(readonly windowMs: number) {
    this.histogram.enable();
    this.timer = setInterval(() => this.read(), windowMs).unref();
  }

  /** The event loop's lateness, ms: the last window's, or how long it has not turned. */
  get currentMs(): number {
    return Math.max(this.lateMs, this.stalledMs(performance.now()));
  }

  /** How long past its due time the window's reading is, when that is more than a window. */
  private stalledMs(now: number): number {
    const overdue = now - this.readAt - this.windowMs;
    return overdue > this.windowMs ? overdue : 0;
  }

  private read(): void {
    const now = performance.now();
    // The histogram holds each sampling interval, the resolution itself included.
    const median = this.histogram.count > 0 ? this.histogram.percentile(50) / 1e6 : 0;
    this.lateMs = Math.max(0, median - RESOLUTION_MS, this.stalledMs(now));
    this.readAt = now;
    this.histogram.reset();
  }

  stop(): void {
    clearInterval(this.timer);
    this.histogram.disable();
  }
}
