import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';

/** How often the event loop's lateness is sampled (Node's timer resolution, ms). */
const RESOLUTION_MS = 10;

/**
 * How late this process's event loop runs: over each window, the median lateness of a timer due
 * every RESOLUTION_MS, so a single pause (a garbage collection) is not read as overload, while a
 * loop whose every turn is long is. A window the loop was stalled through, with no sample in it,
 * counts as late as its own reading came.
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

  /**
   * The event loop's lateness over the last window, ms; or, when the window's reading is itself
   * overdue (the loop has not come round to it yet), how overdue it is.
   */
  get currentMs(): number {
    return Math.max(this.lateMs, performance.now() - this.readAt - this.windowMs);
  }

  private read(): void {
    const now = performance.now();
    // The histogram holds each sampling interval, the resolution itself included.
    const median =
      this.histogram.count > 0 ? this.histogram.percentile(50) / 1e6 - RESOLUTION_MS : 0;
    const ownLateness = now - this.readAt - this.windowMs;
    this.lateMs = Math.max(0, median, ownLateness);
    this.readAt = now;
    this.histogram.reset();
  }

  stop(): void {
    clearInterval(this.timer);
    this.histogram.disable();
  }
}
