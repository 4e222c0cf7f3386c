import PDFDocument from 'pdfkit';
import QRCode from 'qrcode';
import type { ParsedRenderTicketsInput, RenderTicket } from './input';
import { toWinAnsi } from './text';

const COLORS = { ink: '#111827', muted: '#6b7280', accent: '#b91c1c', rule: '#e5e7eb' };

/** The QR code of a ticket code, as a PNG (black modules on white, quiet zone included). */
export function qrPng(code: string): Promise<Buffer> {
  return QRCode.toBuffer(code, { type: 'png', errorCorrectionLevel: 'M', margin: 4, scale: 4 });
}

interface Formatters {
  price(cents: number): string;
  date(iso: string): string;
}

function formatters(input: ParsedRenderTicketsInput): Formatters {
  const currency = input.currency ?? 'USD';
  const timeZone = input.timeZone ?? 'UTC';
  const money = new Intl.NumberFormat('en-US', { style: 'currency', currency });
  const when = new Intl.DateTimeFormat('en-GB', {
    timeZone,
    weekday: 'long',
    day: 'numeric',
    month: 'long',
    year: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
    timeZoneName: 'short',
  });
  return {
    price: (cents) => money.format(cents / 100),
    // The venue's zone by name too: "GMT-5" alone does not say where the clock hangs.
    date: (iso) => `${when.format(new Date(iso))} (${timeZone})`,
  };
}

/**
 * Draws every ticket on its own page and resolves with the PDF bytes.
 * Fonts are the PDF standard 14 (nothing embedded), so a page costs a few KB plus its QR image.
 */
export async function renderTicketsPdf(input: ParsedRenderTicketsInput): Promise<Buffer> {
  const qrs = await Promise.all(input.tickets.map((t) => qrPng(t.code)));
  const fmt = formatters(input);
  const doc = new PDFDocument({
    size: input.paperSize === 'LETTER' ? 'LETTER' : 'A4',
    margin: 56,
    autoFirstPage: false,
    info: {
      Title: `Tickets for order ${input.orderId}`,
      Author: 'KO Ticket Master',
      Creator: 'KO Ticket Master',
    },
  });
  const chunks: Buffer[] = [];
  const done = new Promise<Buffer>((resolve, reject) => {
    doc.on('data', (chunk: Buffer) => chunks.push(chunk));
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
  });
  input.tickets.forEach((ticket, i) => {
    doc.addPage();
    drawTicket(doc, ticket, qrs[i]!, {
      index: i,
      count: input.tickets.length,
      orderId: input.orderId,
      fmt,
    });
  });
  doc.end();
  return done;
}

function drawTicket(
  doc: PDFKit.PDFDocument,
  ticket: RenderTicket,
  qr: Buffer,
  ctx: { index: number; count: number; orderId: string; fmt: Formatters },
): void {
  const t = {
    eventTitle: toWinAnsi(ticket.eventTitle),
    venue: toWinAnsi(ticket.venue),
    city: toWinAnsi(ticket.city),
    tierName: toWinAnsi(ticket.tierName),
    holderName: toWinAnsi(ticket.holderName),
    code: toWinAnsi(ticket.code),
    orderId: toWinAnsi(ctx.orderId),
  };
  const left = doc.page.margins.left;
  const width = doc.page.width - doc.page.margins.left - doc.page.margins.right;
  const top = doc.page.margins.top;

  // Header band.
  doc.rect(0, 0, doc.page.width, 8).fill(COLORS.accent);
  doc
    .fillColor(COLORS.accent)
    .font('Helvetica-Bold')
    .fontSize(11)
    .text('KO TICKET MASTER', left, top, { width, characterSpacing: 2 });
  doc
    .fillColor(COLORS.muted)
    .font('Helvetica')
    .fontSize(9)
    .text(`Ticket ${ctx.index + 1} of ${ctx.count}  ·  Order ${t.orderId}`, left, top, {
      width,
      align: 'right',
    });

  // Event.
  doc.moveDown(2.2);
  doc
    .fillColor(COLORS.ink)
    .font('Helvetica-Bold')
    .fontSize(26)
    .text(t.eventTitle, left, doc.y, { width });
  doc.moveDown(0.4);
  doc
    .font('Helvetica')
    .fontSize(13)
    .fillColor(COLORS.ink)
    .text(ctx.fmt.date(ticket.startsAt), { width });
  doc.fillColor(COLORS.muted).text(`${t.venue}, ${t.city}`, { width });

  // Details grid.
  doc.moveDown(1.2);
  const ruleY = doc.y;
  doc
    .moveTo(left, ruleY)
    .lineTo(left + width, ruleY)
    .lineWidth(1)
    .strokeColor(COLORS.rule)
    .stroke();
  const rows: Array<[string, string]> = [
    ['HOLDER', t.holderName],
    ['TIER', t.tierName],
    ['PRICE', ctx.fmt.price(ticket.priceCents)],
  ];
  let y = ruleY + 14;
  for (const [label, value] of rows) {
    doc
      .fillColor(COLORS.muted)
      .font('Helvetica-Bold')
      .fontSize(9)
      .text(label, left, y, { width: 90, characterSpacing: 1 });
    doc
      .fillColor(COLORS.ink)
      .font('Helvetica')
      .fontSize(14)
      .text(value, left + 90, y - 3, { width: width - 90 });
    y = Math.max(doc.y, y + 16) + 10;
  }
  doc
    .moveTo(left, y)
    .lineTo(left + width, y)
    .strokeColor(COLORS.rule)
    .stroke();

  // QR code, centred, with the code in clear text under it for manual entry.
  const size = Math.min(250, width);
  const qrX = left + (width - size) / 2;
  const qrY = y + 30;
  doc.image(qr, qrX, qrY, { width: size, height: size });
  doc
    .fillColor(COLORS.muted)
    .font('Courier')
    .fontSize(8)
    .text(t.code, left, qrY + size + 10, { width, align: 'center' });
  doc
    .font('Helvetica')
    .fontSize(9)
    .text('Show this code at the door. Each ticket admits one person once.', left, doc.y + 8, {
      width,
      align: 'center',
    });
}
