import type { ZodError } from 'zod';

/**
 * The event does not describe a consistent set of tiers and sales; the message names the field.
 * Lambda reports it as `{ errorType: 'InvalidInputError', errorMessage }` (`X-Amz-Function-Error: Unhandled`).
 */
export class InvalidInputError extends Error {
  override name = 'InvalidInputError';
}

/** `sales[3].quantity: must be a positive integer; tiers[0].capacity: Required` */
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
