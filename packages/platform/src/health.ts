import type { Route } from './http';
import { sendJson } from './http';

/** A named readiness check: resolves when the dependency answers, throws when it does not. */
export type ReadinessCheck = () => Promise<void>;

const withTimeout = <T>(promise: Promise<T>, ms: number) =>
  Promise.race([
    promise,
    new Promise<never>((_, reject) =>
      setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms).unref(),
    ),
  ]);

export async function checkReadiness(checks: Record<string, ReadinessCheck>) {
  const results: Record<string, { ok: boolean; error?: string }> = {};
  await Promise.all(
    Object.entries(checks).map(async ([name, check]) => {
      try {
        await withTimeout(check(), 2_000);
        results[name] = { ok: true };
      } catch (error) {
        results[name] = {
          ok: false,
          error: error instanceof Error ? error.message : String(error),
        };
      }
    }),
  );
  return { ready: Object.values(results).every((r) => r.ok), checks: results };
}

/**
 * `/health`: `live` is true while the process serves requests; `ready` only while every
 * dependency answers. The HTTP status follows readiness, so pollers need not parse JSON.
 */
export function healthRoute(service: string, checks: Record<string, ReadinessCheck>): Route {
  return async (_req, res) => {
    const { ready, checks: results } = await checkReadiness(checks);
    sendJson(res, ready ? 200 : 503, {
      service,
      status: ready ? 'ok' : 'unavailable',
      live: true,
      ready,
      checks: results,
    });
  };
}
