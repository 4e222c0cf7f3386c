import type { locatedError } from 'graphql';
import { DomainError } from './errors';

type LocatedError = typeof locatedError;

/** graphql-js's own module for it: its executor reads `locatedError` from here at every call. */
// eslint-disable-next-line @typescript-eslint/no-require-imports -- the executor's binding is the point
const executorBinding = require('graphql/error/locatedError.js') as {
  locatedError: LocatedError & { answersFrameless?: true };
};

/**
 * graphql-js wraps every error a resolver throws in a GraphQLError (`locatedError`), whose
 * constructor captures the executor's frames and then, replacing its stack with the original
 * error's, formats them: through source maps (as the services run) about 90 µs per error. For a
 * DomainError, an expected answer (four SOLD_OUTs for every sale in an on-sale), those frames
 * say nothing, and a DomainError keeps none of its own (errors.ts); so the wrapper of one captures
 * none either. Any other error (a fault) is wrapped as before, its frames and stack intact.
 * Installed once per process, by the subgraph's start.
 */
export function locateAnswersWithoutFrames(): void {
  const original = executorBinding.locatedError;
  if (original.answersFrameless) return;
  const located: LocatedError = (rawError, nodes, path) => {
    if (!(rawError instanceof DomainError)) return original(rawError, nodes, path);
    const limit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    try {
      return original(rawError, nodes, path);
    } finally {
      Error.stackTraceLimit = limit;
    }
  };
  executorBinding.locatedError = Object.assign(located, { answersFrameless: true as const });
}
