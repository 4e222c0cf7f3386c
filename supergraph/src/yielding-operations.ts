import type { ApolloServerPlugin } from '@apollo/server';
import { GraphQLError } from 'graphql';
import { ConcurrencyLimit } from '@ko/platform/concurrency-limit';
import { onlyRootFields } from '@ko/platform/root-fields';

/**
 * Operations that yield to everything else when the router is busy: at most `concurrency` of
 * them are executed at once, the rest wait their turn (in arrival order) before any subgraph is
 * called. Joining a waiting room is one: in an on-sale, thousands of fans join in the minute the
 * admitted ones buy, and a purchase queued behind hundreds of joins in the router and the
 * tickets service is the pile-up the waiting room exists to prevent. A join that waits here
 * keeps its place in the draw: subgraphs are told when the router received it (request-start.ts).
 */
export function yieldingOperations<TContext extends object>(
  fields: ReadonlySet<string>,
  concurrency: number,
  onWaiting: (waiting: number) => void = () => undefined,
  /** Most operations waiting at once; the next is refused (a flood must not grow the heap). */
  maxWaiting = 10_000,
): ApolloServerPlugin<TContext> & { readonly waiting: number } {
  const limit = new ConcurrencyLimit(concurrency);
  let waiting = 0;
  return {
    get waiting() {
      return waiting;
    },
    async requestDidStart() {
      let release: (() => void) | undefined;
      return {
        async didResolveOperation({ operation }) {
          if (!operation || fields.size === 0 || !onlyRootFields(operation, fields)) return;
          if (waiting >= maxWaiting)
            throw new GraphQLError('Too many people are joining right now; try again shortly.', {
              extensions: { code: 'SERVICE_UNAVAILABLE', http: { status: 503 } },
            });
          onWaiting((waiting += 1));
          // The slot is held from here until the answer is sent (willSendResponse, always called).
          release = await limit.acquire();
          onWaiting((waiting -= 1));
        },
        async willSendResponse() {
          release?.();
        },
      };
    },
  };
}
