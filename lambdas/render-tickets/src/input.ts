import { z } from 'zod';

/** How many tickets one invocation renders; bigger orders are split by the caller. */
export const MAX_TICKETS = 50;

const text = (max: number) =>
  z.string().trim().min(1, 'must not be empty').max(max, `must be at most ${max} characters`);

function isTimeZone(value: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: value });
    return true;
  } catch {
    return false;
  }
}

export const ticketSchema = z.object({
  /** The signed ticket code; it is what the QR code encodes. */
  code: text(1024),
  eventTitle: text(200),
  venue: text(200),
  city: text(100),
  /** ISO-8601 with a zone (`2026-07-01T19:30:00Z` or `+02:00`). */
  startsAt: z.string().datetime({
    offset: true,
    message: 'must be an ISO-8601 date-time with a zone, e.g. 2026-07-01T19:30:00Z',
  }),
  tierName: text(100),
  priceCents: z
    .number()
    .int('must be an integer number of cents')
    .nonnegative('must not be negative')
    .max(Number.MAX_SAFE_INTEGER, 'must be at most 2^53 - 1 cents'),
  holderName: text(200),
});

export const renderTicketsInputSchema = z.object({
  orderId: text(200),
  tickets: z
    .array(ticketSchema)
    .min(1, 'must contain at least one ticket')
    .max(
      MAX_TICKETS,
      `must contain at most ${MAX_TICKETS} tickets per invocation; split the order`,
    ),
  /** Page size; A4 unless told. */
  paperSize: z.enum(['A4', 'LETTER']).optional(),
  /** ISO-4217 code the prices are in; USD unless told. */
  currency: z
    .string()
    .regex(/^[A-Z]{3}$/, 'must be an ISO-4217 code such as USD')
    .optional(),
  /** IANA zone the start time is printed in; UTC unless told. */
  timeZone: z
    .string()
    .refine(isTimeZone, 'must be an IANA time zone such as Europe/Berlin')
    .optional(),
});

export type RenderTicket = z.infer<typeof ticketSchema>;
export type RenderTicketsInput = z.input<typeof renderTicketsInputSchema>;
export type ParsedRenderTicketsInput = z.output<typeof renderTicketsInputSchema>;

export interface RenderTicketsOutput {
  /** The PDF, base64-encoded (what `Order.pdf` carries). */
  pdfBase64: string;
  /** One page per ticket. */
  pages: number;
}
