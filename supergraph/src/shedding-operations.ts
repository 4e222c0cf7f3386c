import type { ApolloServerPlugin } from '@apollo/server';
import { GraphQLError } from 'graphql';
import type { Logger } from '@ko/platform/logger';
import { anyRootField } from '@ko/platform/root-fields';

/** When a refused caller may try again: a couple of the windows the router's lateness is read over. */
export const SHED_RETRY_AFTER_SECONDS = 1;

/**
 * Operations refused while the router is overloaded: when its event loop runs later than
 * `maxDelayMs` (loop-delay.ts), an operation with any of `fields` among its root fields is
 * answered SERVICE_UNAVAILABLE at once, before any subgraph is called. A chat post is one: each
 * is a frame for every subscriber the router relays to, so at the router's limit posts accepted
 * in an open stream queue for seconds, delivery with them; refused ones leave the time to those
 * accepted, which are delivered within the bound. The caller is told when to try again
 * (`retryAfterSeconds`, as for RATE_LIMITED).
 */
export function sheddingOperations<TContext extends object>(
  fields: ReadonlySet<string>,
  loopDelayMs: () => number,
  maxDelayMs: number,
  onShed: () => void = () => undefined,
): ApolloServerPlugin<TContext> {
  return {
    async requestDidStart() {
      let shed = false;
      return {
        async didResolveOperation({ operation }) {
          if (!operation || loopDelayMs() <= maxDelayMs) return;
          if (!anyRootField(operation, fields)) return;
          shed = true;
          onShed();
          throw new GraphQLError(
            'The platform is too busy to take this right now; try again in a moment.',
            {
              extensions: {
                code: 'SERVICE_UNAVAILABLE',
                retryAfterSeconds: SHED_RETRY_AFTER_SECONDS,
                http: { status: 503 },
              },
            },
          );
        },
        async willSendResponse({ response }) {
          if (shed) response.http.headers.set('retry-after', String(SHED_RETRY_AFTER_SECONDS));
        },
      };
    },
  };
}

/**
 * Logs the refusals: at most one line per `everyMs`, with how many were refused since the last
 * line and how late the loop ran. A line per refusal would flood the log just when the router
 * has the least time to spare.
 */
export function refusalLog(
  logger: Pick<Logger, 'warn'>,
  loopDelayMs: () => number,
  everyMs = 10_000,
  now: () => number = Date.now,
): () => void {
  let loggedAt = -Infinity;
  let refused = 0;
  return () => {
    refused += 1;
    if (now() - loggedAt < everyMs) return;
    logger.warn(
      { refused, loopDelayMs: Math.round(loopDelayMs()) },
      'router overloaded: refusing operations that fan out (SHEDDING_FIELDS)',
    );
    loggedAt = now();
    refused = 0;
  };
}
