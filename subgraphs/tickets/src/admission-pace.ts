export interface AdmissionPaceOptions {
  /** Fewest fans a room may have admitted and not yet bought: where it starts, and its floor. */
  floor: number;
  /** Most fans a room may have admitted and not yet bought, however fast the box office is. */
  ceiling: number;
  /** The 90th percentile of holds' and purchases' answer times the box office is kept under. */
  targetMs: number;
  /** Shortest time between two changes of the limit. */
  stepMs: number;
}

/** Fewest answers timed since the last step for a slow-down to count as one. */
const SAMPLES_TO_JUDGE = 5;
/** Most answers kept between two steps (a rush gives thousands a second). */
const MAX_SAMPLES = 2_000;

/**
 * How many fans a waiting room may have admitted and not yet bought, paced by what this box
 * office serves: the limit grows while holds and purchases are answered within `targetMs` and
 * the room uses all of it, and is cut by a third when they are not (additive increase,
 * multiplicative decrease, as TCP paces a connection). Fans still choosing cost the box office
 * nothing, so with people the limit climbs to its ceiling; when the admitted all buy at once (the
 * first seconds of an on-sale, or scripts), it settles where their purchases stay fast instead of
 * queueing behind each other for the tier's row lock.
 *
 * Each instance paces from its own answers (the router spreads buyers over instances); the
 * limit is a setting, not anyone's place, so a restart only starts it again from the floor.
 */
export class AdmissionPace {
  private limitNow: number;
  private samples: number[] = [];
  private lastStepAt = 0;

  constructor(private readonly options: AdmissionPaceOptions) {
    this.limitNow = Math.min(options.floor, options.ceiling);
  }

  /** The limit as it stands, without a step. */
  get current(): number {
    return this.limitNow;
  }

  /** Times a hold or purchase answered by this box office (whatever the answer). */
  async timed<T>(work: () => Promise<T>): Promise<T> {
    const started = performance.now();
    try {
      return await work();
    } finally {
      this.record(performance.now() - started);
    }
  }

  record(ms: number): void {
    if (this.samples.length < MAX_SAMPLES) this.samples.push(ms);
  }

  /**
   * The limit for a room's next admission step. `saturated`: the room had as many admitted and
   * not yet bought as the limit allows (fans are waiting for it), so a larger one would be used.
   */
  limit(saturated: boolean, now = Date.now()): number {
    if (now - this.lastStepAt < this.options.stepMs) return this.limitNow;
    const { floor, ceiling, targetMs } = this.options;
    const answers = this.samples;
    this.samples = [];
    this.lastStepAt = now;
    if (answers.length >= SAMPLES_TO_JUDGE && percentile(answers, 0.9) > targetMs)
      this.limitNow = Math.max(Math.min(floor, ceiling), Math.floor((this.limitNow * 2) / 3));
    else if (saturated)
      this.limitNow = Math.min(ceiling, this.limitNow + Math.max(1, Math.ceil(this.limitNow / 10)));
    return this.limitNow;
  }
}

function percentile(values: number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}
