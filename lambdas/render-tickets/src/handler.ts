import { InvalidInputError, PayloadTooLargeError, describeZodError } from './errors';
import {
  renderTicketsInputSchema,
  type RenderTicketsInput,
  type RenderTicketsOutput,
} from './input';
import { renderTicketsPdf } from './pdf';

export { InvalidInputError, PayloadTooLargeError } from './errors';
export {
  MAX_TICKETS,
  type RenderTicket,
  type RenderTicketsInput,
  type RenderTicketsOutput,
} from './input';

/** Lambda's limit on a synchronous invocation's response payload, in bytes. */
export const LAMBDA_MAX_RESPONSE_BYTES = 6_291_556;

export interface RenderTicketsOptions {
  /** Fail when the JSON response would be larger than this; Lambda's sync limit unless told. */
  maxResponseBytes?: number;
}

/**
 * Validates the event, renders one page per ticket and returns the PDF as base64.
 * Throws `InvalidInputError` for a bad event and `PayloadTooLargeError` when the
 * response would exceed Lambda's 6 MB synchronous limit.
 */
export async function renderTickets(
  event: unknown,
  options: RenderTicketsOptions = {},
): Promise<RenderTicketsOutput> {
  const parsed = renderTicketsInputSchema.safeParse(event);
  if (!parsed.success) {
    throw new InvalidInputError(`Invalid render-tickets input: ${describeZodError(parsed.error)}`);
  }
  const pdf = await renderTicketsPdf(parsed.data);
  const output: RenderTicketsOutput = {
    pdfBase64: pdf.toString('base64'),
    pages: parsed.data.tickets.length,
  };
  // The response is this object as JSON: base64 is ASCII, so its size is the string length plus the wrapper.
  const responseBytes =
    output.pdfBase64.length + JSON.stringify({ ...output, pdfBase64: '' }).length;
  const limit = options.maxResponseBytes ?? LAMBDA_MAX_RESPONSE_BYTES;
  if (responseBytes > limit) {
    throw new PayloadTooLargeError(
      `The PDF for order ${parsed.data.orderId} (${parsed.data.tickets.length} tickets, ${pdf.length} bytes) makes a ` +
        `${responseBytes}-byte response, over the ${limit}-byte limit of a synchronous Lambda response; render the order in smaller batches`,
    );
  }
  return output;
}

/** The Lambda entry point (`index.handler` once bundled). */
export async function handler(event: RenderTicketsInput): Promise<RenderTicketsOutput> {
  return renderTickets(event);
}
