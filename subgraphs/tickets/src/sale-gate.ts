/**
 * At most `size` one-step purchase statements at once in this process. Each holds a pooled
 * connection while it waits for the tier's row lock, so without a bound a rush would take every
 * connection and leave none for reads and the health check (the router would take the instance
 * out of rotation). Buyers beyond the bound wait here, in memory, in arrival order.
 */
export class SaleGate {
  private running = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(private readonly size: number) {}

  async run<T>(work: () => Promise<T>): Promise<T> {
    if (this.running >= this.size) await new Promise<void>((go) => this.waiting.push(go));
    else this.running += 1;
    try {
      return await work();
    } finally {
      // The slot passes straight to the next buyer, if any.
      const next = this.waiting.shift();
      if (next) next();
      else this.running -= 1;
    }
  }
}
