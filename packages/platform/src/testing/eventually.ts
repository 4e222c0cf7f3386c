/**
 * Probes until `ok` holds, then returns the last value; fails naming `what` and the last value
 * after `timeoutMs`. For things that settle in the background (a restart, a health poll).
 */
export async function eventually<T>(
  what: string,
  probe: () => Promise<T> | T,
  ok: (value: T) => boolean,
  timeoutMs = 10_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: T = await probe();
  while (!ok(last)) {
    if (Date.now() > deadline)
      throw new Error(`${what}: still ${JSON.stringify(last)} after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
    last = await probe();
  }
  return last;
}
