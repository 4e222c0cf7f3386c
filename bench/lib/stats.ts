/**
 * Latency samples and their percentiles. Every sample is kept (a run records at most a
 * million), sorted once, and read with the nearest-rank method, so p99 of 1,000 samples is
 * the 990th smallest: no bucketing error, which is what an HDR histogram approximates.
 */
export interface Distribution {
  count: number;
  minMs: number;
  meanMs: number;
  p50Ms: number;
  p90Ms: number;
  p95Ms: number;
  p99Ms: number;
  p999Ms: number;
  maxMs: number;
}

/** Percentiles the SVG chart plots: dense towards the tail, as HDR plots are. */
export const CHART_PERCENTILES = [
  0, 10, 20, 30, 40, 50, 60, 70, 75, 80, 85, 90, 92.5, 95, 96, 97, 97.5, 98, 98.5, 99, 99.25, 99.5,
  99.75, 99.9,
];

export class Samples {
  private data = new Float64Array(1_024);
  private size = 0;
  private sorted: Float64Array | undefined;

  push(valueMs: number): void {
    if (this.size === this.data.length) {
      const bigger = new Float64Array(this.data.length * 2);
      bigger.set(this.data);
      this.data = bigger;
    }
    this.data[this.size++] = valueMs;
    this.sorted = undefined;
  }

  addAll(other: Samples): void {
    for (const value of other.values()) this.push(value);
  }

  get count(): number {
    return this.size;
  }

  values(): Float64Array {
    return this.data.subarray(0, this.size);
  }

  /** Nearest-rank percentile, `p` in 0..100. */
  percentile(p: number): number {
    if (this.size === 0) return NaN;
    this.sorted ??= Float64Array.from(this.values()).sort();
    const rank = Math.ceil((p / 100) * this.size);
    return this.sorted[Math.min(this.size - 1, Math.max(0, rank - 1))];
  }

  summary(): Distribution {
    let sum = 0;
    for (const value of this.values()) sum += value;
    return {
      count: this.size,
      minMs: round(this.percentile(0)),
      meanMs: round(this.size ? sum / this.size : NaN),
      p50Ms: round(this.percentile(50)),
      p90Ms: round(this.percentile(90)),
      p95Ms: round(this.percentile(95)),
      p99Ms: round(this.percentile(99)),
      p999Ms: round(this.percentile(99.9)),
      maxMs: round(this.percentile(100)),
    };
  }

  /** [percentile, ms] pairs for the chart. */
  curve(): Array<[number, number]> {
    return CHART_PERCENTILES.map((p) => [p, round(this.percentile(p))]);
  }
}

export const round = (n: number, digits = 2): number => {
  if (!Number.isFinite(n)) return n;
  const f = 10 ** digits;
  return Math.round(n * f) / f;
};

/** Milliseconds since an arbitrary origin, from the monotonic clock. */
export const nowMs = (): number => performance.now();
