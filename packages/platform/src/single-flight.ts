/**
 * Work under way, by key: whoever asks for a key while its work runs gets the same promise instead
 * of starting it again (a burst of identical look-ups costs one). Nothing is kept once the work
 * settles, rejected included: this is not a cache, so a caller arriving after it sees new data.
 */
export class SingleFlight<K, V> {
  private readonly running = new Map<K, Promise<V>>();

  /** `work()` for `key`, or the run already under way for it (then `onShared` is called). */
  run(key: K, work: () => Promise<V>, onShared?: () => void): Promise<V> {
    const running = this.running.get(key);
    if (running) {
      onShared?.();
      return running;
    }
    const started = work();
    this.running.set(key, started);
    const forget = () => this.running.delete(key);
    started.then(forget, forget);
    return started;
  }

  /** Keys whose work is under way. */
  get size(): number {
    return this.running.size;
  }
}
