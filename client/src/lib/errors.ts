// Error codes from the graph (DESIGN.md: `extensions.code`) turned into plain words. A raw
// error never reaches the page: unknown failures get a generic sentence.

export interface GraphQLErrorLike {
  message: string;
  extensions?: Record<string, unknown>;
}

/** The shape of urql's CombinedError, kept structural so this module stays dependency-free. */
export interface ErrorLike {
  graphQLErrors?: ReadonlyArray<GraphQLErrorLike>;
  networkError?: Error;
}

export type ErrorCode =
  | 'UNAUTHENTICATED'
  | 'FORBIDDEN'
  | 'BAD_USER_INPUT'
  | 'NOT_FOUND'
  | 'SOLD_OUT'
  | 'CONFLICT'
  | 'RATE_LIMITED'
  | 'HOLD_EXPIRED'
  | 'SERVICE_UNAVAILABLE'
  | 'INTERNAL_SERVER_ERROR';

export function firstError(error: ErrorLike | null | undefined): GraphQLErrorLike | undefined {
  return error?.graphQLErrors?.[0];
}

export function errorCode(error: ErrorLike | null | undefined): string | undefined {
  const code = firstError(error)?.extensions?.code;
  if (typeof code === 'string') return code;
  return error?.networkError ? 'NETWORK' : undefined;
}

const num = (value: unknown): number | undefined =>
  typeof value === 'number' && Number.isFinite(value) ? value : undefined;

/** Seconds until a RATE_LIMITED (or too-busy) caller may try again, when the graph says so. */
export function retryAfterSeconds(error: ErrorLike | null | undefined): number | undefined {
  const ext = firstError(error)?.extensions ?? {};
  const seconds =
    num(ext.retryAfterSeconds) ??
    num(ext.retryAfter) ??
    (num(ext.retryAfterMs) !== undefined ? num(ext.retryAfterMs)! / 1000 : undefined);
  return seconds === undefined ? undefined : Math.max(1, Math.ceil(seconds));
}

/** Tickets still available when a purchase hit SOLD_OUT, when the graph says so. */
export function ticketsLeft(error: ErrorLike | null | undefined): number | undefined {
  const ext = firstError(error)?.extensions ?? {};
  return num(ext.available) ?? num(ext.remaining) ?? num(ext.left);
}

/** A message written for people (the contract promises "a message a person can act on"). */
function readable(message: string | undefined): string | undefined {
  if (
    !message ||
    message.length > 300 ||
    /internal|exception|stack|ECONN|\bat \w+ \(/i.test(message)
  )
    return undefined;
  return message;
}

/**
 * One plain sentence for a failed operation. `overrides` lets a page word a code for its
 * context (e.g. UNAUTHENTICATED on the sign-in form means a wrong password).
 */
export function describeError(
  error: ErrorLike | null | undefined,
  overrides: Partial<Record<string, string>> = {},
): string {
  const code = errorCode(error);
  if (code && overrides[code]) return overrides[code]!;
  const message = readable(firstError(error)?.message);
  switch (code) {
    case 'SOLD_OUT': {
      const left = ticketsLeft(error);
      if (left === undefined || left <= 0)
        return 'Sold out — there are no tickets left in this tier.';
      return `Sold out — only ${left} left. Pick ${left === 1 ? '1 ticket' : `${left} or fewer`}.`;
    }
    case 'RATE_LIMITED': {
      const wait = retryAfterSeconds(error);
      return wait
        ? `You're sending messages too fast, try again in ${wait} s.`
        : "You're sending messages too fast, try again in a moment.";
    }
    case 'HOLD_EXPIRED':
      return 'Your hold expired and the tickets went back on sale. Reserve again to buy.';
    case 'NOT_ON_SALE':
      return message ?? 'These tickets are not on sale right now.';
    case 'QUEUE_REQUIRED':
      return 'This sale has a waiting room: join the line to buy.';
    case 'UNAUTHENTICATED':
      return 'Your session has ended. Please sign in again.';
    case 'FORBIDDEN':
      return message ?? "You don't have permission to do that.";
    case 'NOT_FOUND':
      return message ?? "We couldn't find that. It may have been removed.";
    case 'BAD_USER_INPUT':
      return message ?? 'Please check what you entered and try again.';
    case 'CONFLICT':
      return message ?? 'That conflicts with something that already exists.';
    case 'SERVICE_UNAVAILABLE': {
      // With a retry delay: the platform refused the request as too busy (it was not lost).
      const wait = retryAfterSeconds(error);
      if (wait) return `KO Ticket Master is very busy right now, try again in ${wait} s.`;
      return "We can't reach KO Ticket Master right now. Check your connection and try again.";
    }
    case 'NETWORK':
      return "We can't reach KO Ticket Master right now. Check your connection and try again.";
    case 'GRAPHQL_VALIDATION_FAILED':
    case 'GRAPHQL_PARSE_FAILED':
    case 'PERSISTED_QUERY_NOT_ALLOWED':
    case 'PERSISTED_QUERY_NOT_FOUND':
      return 'This page is out of date. Reload it to continue.';
    default:
      return 'Something went wrong on our side. Please try again.';
  }
}
