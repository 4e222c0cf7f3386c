import { GraphQLError, type GraphQLFormattedError } from 'graphql';
import type { Logger } from './logger';

/** The error codes of the public contract (DESIGN.md); clients branch on these. */
export type ErrorCode =
  | 'UNAUTHENTICATED'
  | 'FORBIDDEN'
  | 'BAD_USER_INPUT'
  | 'NOT_FOUND'
  | 'SOLD_OUT'
  | 'CONFLICT'
  | 'RATE_LIMITED'
  | 'HOLD_EXPIRED'
  /** A tier outside its sale window (`salesStartAt`, `salesEndAt`): the window is in extensions. */
  | 'NOT_ON_SALE'
  /** The event's waiting room is on and the caller has no admission (joinWaitingRoom). */
  | 'QUEUE_REQUIRED'
  | 'SERVICE_UNAVAILABLE'
  /** The router refused a query over its cost or expensive-field limit, before running it. */
  | 'QUERY_TOO_EXPENSIVE'
  /** A subgraph stopped a request past its statement, row or byte budget (request-budget.ts). */
  | 'RESPONSE_TOO_LARGE'
  | 'INTERNAL_SERVER_ERROR';

/**
 * A failure the caller can act on. Domain code throws these (no GraphQL inside);
 * the subgraph's error formatter turns them into GraphQL errors with `extensions.code`.
 */
export class DomainError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    // An expected refusal, not a fault: it keeps no stack. graphql-js reads the stack of every
    // error it wraps, and a stack formatted through source maps (as the services run) costs tens
    // of microseconds: in an on-sale rush, mostly SOLD_OUT answers, reading stacks was 5% of the
    // tickets service's CPU.
    const limit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    super(message);
    Error.stackTraceLimit = limit;
    this.name = 'DomainError';
  }
}

export const unauthenticated = (message = 'Sign in to do this.') =>
  new DomainError('UNAUTHENTICATED', message);
export const forbidden = (message: string) => new DomainError('FORBIDDEN', message);
export const badInput = (message: string, details: Record<string, unknown> = {}) =>
  new DomainError('BAD_USER_INPUT', message, details);
export const notFound = (what: string, id: string) =>
  new DomainError('NOT_FOUND', `${what} ${id} does not exist.`, { id });
export const conflict = (message: string, details: Record<string, unknown> = {}) =>
  new DomainError('CONFLICT', message, details);

/**
 * An error as a client gets it, the one way every GraphQL server here formats them: a
 * DomainError becomes its code and message; GraphQL's own errors (validation, a code already
 * set) pass; anything else is logged with its stack and, when `mask`, shown only as internal.
 */
export function formatForClient(
  formatted: GraphQLFormattedError,
  original: unknown,
  options: { logger: Pick<Logger, 'error'>; mask: boolean; where: string },
): GraphQLFormattedError {
  // Built as the plain object it is sent as: a GraphQLError made here would capture (and format)
  // stack frames for every refusal.
  if (original instanceof DomainError)
    return {
      ...formatted,
      message: original.message,
      extensions: { code: original.code, ...original.details },
    };
  const code = formatted.extensions?.code;
  if (!original || original instanceof GraphQLError || (code && code !== 'INTERNAL_SERVER_ERROR'))
    return formatted;
  options.logger.error({ err: original }, `unexpected error in ${options.where}`);
  return options.mask
    ? {
        ...formatted,
        message: 'Something went wrong on our side; try again.',
        extensions: { code: 'INTERNAL_SERVER_ERROR' },
      }
    : formatted;
}
