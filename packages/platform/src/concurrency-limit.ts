/**
 * Runs at most `concurrency` pieces of async work at a time in this process; the rest wait their
 * turn, in arrival order. For work that holds something scarce while it runs: a core (password
 * hashing), a pooled connection waiting for a row lock (purchases), the router's turn for a join.
 */
export class ConcurrencyLimit {
  private running = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(private readonly concurrency: number) {}

  /**
   * Waits for a slot and returns its release, for work that does not fit one function (it starts
   * in one hook and ends in another). Releasing twice frees the slot once.
   */
  async acquire(): Promise<() => void> {
    if (this.running >= this.concurrency) await new Promise<void>((go) => this.waiting.push(go));
    else this.running += 1;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      // Hand the slot straight to the next in line, or free it.
      const next = this.waiting.shift();
      if (next) next();
      else this.running -= 1;
    };
  }

  async run<T>(work: () => Promise<T>): Promise<T> {
    const release = await this.acquire();
    try {
      return await work();
    } finally {
      release();
    }
  }
}
