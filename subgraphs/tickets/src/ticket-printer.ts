import type { RenderTicketsInput, RenderTicketsOutput } from '@ko/lambda-render-tickets';
import {
  conflict,
  forbidden,
  notFound,
  requireViewer,
  type LambdaInvoker,
  type Logger,
  type Viewer,
} from '@ko/platform';
import type { Order } from './entities/order';
import type { Ticket } from './entities/ticket';
import type { TicketTier } from './entities/ticket-tier';
import type { EventDetails } from './events-client';
import { callLambda } from './lambda-calls';
import { orderNumber } from './wallet';

/** The render-tickets lambda's limit per invocation (its `MAX_TICKETS`). */
export const MAX_TICKETS_PER_PDF = 50;

/** Where the printer reads an order's parts: per-request loaders, so a list of orders costs a query each. */
export interface PrintSources {
  tickets(orderId: string): Promise<Ticket[]>;
  tier(tierId: string): Promise<TicketTier | undefined>;
  event(eventId: string): Promise<EventDetails | null>;
}

/**
 * An order's tickets as a PDF, one page per ticket with a QR code of its signed code. The
 * drawing runs in the render-tickets lambda, never in this process; this gathers what goes
 * on the page: the tickets and their tier from this database, the event from the events
 * service, the holder's name from the buyer's own token (only the buyer may print).
 */
export class TicketPrinter {
  constructor(
    private readonly lambda: Pick<LambdaInvoker, 'invoke'>,
    private readonly logger: Logger,
  ) {}

  /** The PDF, base64. UNAUTHENTICATED without a token, FORBIDDEN for anyone but the buyer. */
  async orderPdf(viewer: Viewer | null, order: Order, sources: PrintSources): Promise<string> {
    const buyer = requireViewer(viewer);
    if (order.userId !== buyer.id) {
      throw forbidden('Only the buyer of this order can download its tickets.');
    }
    if (order.status === 'CANCELLED') {
      throw conflict('This order was cancelled with its event; its tickets are void.', {
        orderId: order.id,
      });
    }
    const [tickets, tier, event] = await Promise.all([
      sources.tickets(order.id),
      sources.tier(order.tierId),
      sources.event(order.eventId),
    ]);
    if (!tier) throw notFound('TicketTier', order.tierId);
    if (!event) throw notFound('Event', order.eventId);
    if (tickets.length > MAX_TICKETS_PER_PDF) {
      throw conflict(
        `This order has ${tickets.length} tickets; a PDF holds at most ${MAX_TICKETS_PER_PDF}. Show the tickets' codes from your profile instead.`,
        { tickets: tickets.length, maxTickets: MAX_TICKETS_PER_PDF },
      );
    }
    const input: RenderTicketsInput = {
      // The number the site shows, so a fan finds the order they read on the page.
      orderId: orderNumber(order.id),
      // The event's own money and the venue's clock, never the renderer's defaults.
      currency: event.currency,
      timeZone: event.timeZone,
      tickets: tickets.map((ticket) => ({
        code: ticket.code,
        eventTitle: event.title,
        venue: event.venue,
        city: event.city,
        startsAt: event.startsAt,
        tierName: tier.name,
        // What was paid, which is what the ticket should say.
        priceCents: Math.round(order.totalCents / order.quantity),
        // Tokens carry the name; one issued without it still prints.
        holderName: buyer.name?.trim() || 'Ticket holder',
      })),
    };
    const output = await callLambda<RenderTicketsInput, RenderTicketsOutput>(
      this.lambda,
      this.logger,
      { name: 'render-tickets', payload: input, action: 'render your tickets' },
    );
    return output.pdfBase64;
  }
}
