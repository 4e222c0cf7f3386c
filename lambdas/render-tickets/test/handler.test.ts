import jsQR from 'jsqr';
import {
  InvalidInputError,
  LAMBDA_MAX_RESPONSE_BYTES,
  MAX_TICKETS,
  PayloadTooLargeError,
  handler,
  renderTickets,
  type RenderTicket,
  type RenderTicketsInput,
} from '../src/handler';
import { toWinAnsi } from '../src/text';
import { inspectPdf } from './pdf-inspect';

function ticket(i: number, overrides: Partial<RenderTicket> = {}): RenderTicket {
  return {
    code: `KO1.ord_42.${i}.c2lnbmF0dXJlLW9mLXRpY2tldC0${i}`,
    eventTitle: 'Midnight Jazz at the Lighthouse',
    venue: 'The Lighthouse',
    city: 'Hermosa Beach',
    startsAt: '2026-07-01T19:30:00Z',
    tierName: i % 2 ? 'Balcony' : 'Floor',
    priceCents: 4250 + i,
    holderName: `Holder Number${i}`,
    ...overrides,
  };
}

function order(count: number, extra: Partial<RenderTicketsInput> = {}): RenderTicketsInput {
  return {
    orderId: 'ord_42',
    tickets: Array.from({ length: count }, (_, i) => ticket(i)),
    ...extra,
  };
}

async function rejection(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected a rejection');
}

describe('render-tickets handler', () => {
  it('renders one page per ticket, each with its details and a QR code that decodes to its code', async () => {
    const input = order(3);
    const out = await handler(input);
    expect(out.pages).toBe(3);
    const bytes = Buffer.from(out.pdfBase64, 'base64');
    expect(bytes.subarray(0, 5).toString()).toBe('%PDF-');

    const pages = await inspectPdf(bytes);
    expect(pages).toHaveLength(3);
    pages.forEach((page, i) => {
      const t = input.tickets[i]!;
      const text = page.text.replace(/\s+/g, ' ');
      expect(text).toContain(t.holderName);
      expect(text).toContain(t.tierName);
      expect(text).toContain(t.eventTitle);
      expect(text).toContain(`${t.venue}, ${t.city}`);
      expect(text).toContain(`$${(t.priceCents / 100).toFixed(2)}`);
      expect(text).toContain('1 July 2026 at 19:30 UTC');
      expect(text).toContain(`Ticket ${i + 1} of 3`);

      // The QR image embedded in this very page, decoded from the PDF's own pixels.
      expect(page.images).toHaveLength(1);
      const img = page.images[0]!;
      const qr = jsQR(img.rgba, img.width, img.height);
      expect(qr?.data).toBe(t.code);
    });
  });

  it('prints in the requested paper size, currency and time zone', async () => {
    const out = await handler(
      order(1, { paperSize: 'LETTER', currency: 'EUR', timeZone: 'Europe/Amsterdam' }),
    );
    const [page] = await inspectPdf(Buffer.from(out.pdfBase64, 'base64'));
    expect(page!.text).toContain('€42.50');
    expect(page!.text).toContain('21:30 CEST');
    const { PDFDocument } = await import('pdf-lib');
    const doc = await PDFDocument.load(Buffer.from(out.pdfBase64, 'base64'));
    expect(doc.getPage(0).getSize()).toEqual({ width: 612, height: 792 });
  });

  it('renders the maximum of 50 tickets well under the response limit', async () => {
    const out = await handler(order(MAX_TICKETS));
    expect(out.pages).toBe(MAX_TICKETS);
    expect(JSON.stringify(out).length).toBeLessThan(LAMBDA_MAX_RESPONSE_BYTES / 4);
  });

  it('prints characters the standard fonts lack as their closest Latin form, never as garbage', async () => {
    expect(toWinAnsi('Zoë Dvořák — 東京 🎉')).toBe('Zoë Dvorák — ?? ?');
    const out = await handler({
      orderId: 'ord_1',
      tickets: [ticket(0, { holderName: 'Antonín Dvořák' })],
    });
    const [page] = await inspectPdf(Buffer.from(out.pdfBase64, 'base64'));
    expect(page!.text).toContain('Antonín Dvorák');
  });

  it.each([
    ['an empty order', { orderId: 'o', tickets: [] }, /tickets: must contain at least one ticket/],
    ['more than 50 tickets', order(MAX_TICKETS + 1), /tickets: must contain at most 50 tickets/],
    [
      'a missing holder name',
      { orderId: 'o', tickets: [{ ...ticket(0), holderName: undefined }] },
      /tickets\[0\]\.holderName: Required/,
    ],
    [
      'a blank event title',
      { orderId: 'o', tickets: [ticket(0), ticket(1, { eventTitle: '  ' })] },
      /tickets\[1\]\.eventTitle: must not be empty/,
    ],
    [
      'a date without a zone',
      { orderId: 'o', tickets: [ticket(0, { startsAt: '2026-07-01 19:30' })] },
      /tickets\[0\]\.startsAt: must be an ISO-8601/,
    ],
    [
      'a negative price',
      { orderId: 'o', tickets: [ticket(0, { priceCents: -1 })] },
      /tickets\[0\]\.priceCents: must not be negative/,
    ],
    [
      'a fractional price',
      { orderId: 'o', tickets: [ticket(0, { priceCents: 10.5 })] },
      /priceCents: must be an integer/,
    ],
    ['a missing order id', { tickets: [ticket(0)] }, /orderId: Required/],
    [
      'an unknown time zone',
      order(1, { timeZone: 'Mars/Olympus' }),
      /timeZone: must be an IANA time zone/,
    ],
    ['no object at all', null, /input: Expected object, received null/],
  ])('rejects %s with InvalidInputError', async (_what, event, message) => {
    const err = await rejection(handler(event as RenderTicketsInput));
    expect(err).toBeInstanceOf(InvalidInputError);
    expect(err.name).toBe('InvalidInputError');
    expect(err.message).toMatch(/^Invalid render-tickets input: /);
    expect(err.message).toMatch(message);
  });

  it('fails clearly instead of returning a response over the size limit', async () => {
    const err = await rejection(renderTickets(order(2), { maxResponseBytes: 2_000 }));
    expect(err).toBeInstanceOf(PayloadTooLargeError);
    expect(err.name).toBe('PayloadTooLargeError');
    expect(err.message).toMatch(
      /over the 2000-byte limit of a synchronous Lambda response; render the order in smaller batches/,
    );
  });
});
