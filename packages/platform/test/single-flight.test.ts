import { SingleFlight } from '../src/single-flight';

/** A promise settled from outside. */
function deferred<T>() {
  let resolve!: (value: T) => void;
  let reject!: (error: Error) => void;
  const promise = new Promise<T>((res, rej) => ((resolve = res), (reject = rej)));
  return { promise, resolve, reject };
}

describe('SingleFlight', () => {
  it('shares one run among the callers of a key while it runs, and none after', async () => {
    const flights = new SingleFlight<string, number>();
    const started: string[] = [];
    const gate = deferred<number>();
    let shared = 0;
    const work = (key: string) => () => (started.push(key), gate.promise);
    const first = flights.run('a', work('a'));
    const second = flights.run('a', work('a'), () => (shared += 1));
    const other = flights.run('b', () => Promise.resolve(2));
    expect(second).toBe(first);
    expect(shared).toBe(1);
    gate.resolve(1);
    await expect(Promise.all([first, second, other])).resolves.toEqual([1, 1, 2]);
    expect(flights.size).toBe(0);
    await flights.run('a', work('a'));
    expect(started).toEqual(['a', 'a']);
  });

  it('forgets a failed run: the next caller tries again', async () => {
    const flights = new SingleFlight<string, number>();
    const failing = deferred<number>();
    const first = flights.run('a', () => failing.promise);
    const joined = flights.run('a', () => Promise.resolve(0));
    failing.reject(new Error('down'));
    await expect(first).rejects.toThrow('down');
    await expect(joined).rejects.toThrow('down');
    await expect(flights.run('a', () => Promise.resolve(3))).resolves.toBe(3);
  });
});
