/**
 * Errors the handler throws on purpose. Lambda reports a thrown error as
 * `{ errorType: err.name, errorMessage: err.message, trace }` with the header
 * `X-Amz-Function-Error: Unhandled`, so each class sets a distinct `name`.
 */
import type { ZodError } from 'zod';

/** The event does not match `RenderTicketsInput`; the message says which field and why. */
export class InvalidInputError extends Error {
  override name = 'InvalidInputError';
}

/** The rendered response would not fit in Lambda's synchronous response limit. */
export class PayloadTooLargeError extends Error {
  override name = 'PayloadTooLargeError';
}

/** `tickets[0].holderName: Required; orderId: String must contain at least 1 character(s)` */
export function describeZodError(error: ZodError): string {
  return error.issues
    .map((issue) => {
      const path = issue.path.reduce<string>(
        (acc, part) =>
          typeof part === 'number' ? `${acc}[${part}]` : acc ? `${acc}.${part}` : part,
        '',
      );
      return `${path || 'input'}: ${issue.message}`;
    })
    .join('; ');
}
