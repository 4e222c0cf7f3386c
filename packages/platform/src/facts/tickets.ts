import { z } from 'zod';
import { defineFact, type FactData } from './envelope';
import { EventFacts } from './events';
import { count, id, isoTime } from './fields';
import { Topics } from './topics';

// The tickets service's facts: sales, availability, orders and waiting rooms.

export const TicketFacts = {
  /** A sale, with the tier's totals right after it, for the live sales feed. */
  ticketsSold: defineFact({
    topic: Topics.ticketsSold,
    // The fact is named after its topic, the one place a sale is told.
    type: Topics.ticketsSold,
    version: 1,
    schema: z.object({
      eventId: id,
      tierId: id,
      tierName: z.string(),
      orderId: id,
      quantity: z.number().int().min(1),
      sold: count,
      available: count,
      capacity: count,
      soldAt: isoTime,
    }),
    key: (data) => data.eventId,
  }),

  /**
   * The tiers a change left with another number of places for sale, as that change left them.
   * Sales say the same in `tickets.sold`; this covers holds taken, holds given back (by the
   * buyer, by expiry), new tiers and organizers' tier changes. The subscriptions service turns
   * both into `eventUpdated`.
   */
  tiersAvailabilityChanged: defineFact({
    topic: Topics.ticketsAvailability,
    type: 'tiers.availability.changed',
    version: 1,
    schema: z.object({
      eventId: id,
      tiers: z
        .array(
          z.object({
            tierId: id,
            name: z.string(),
            available: count,
            // The tier's sale window as the change left it (null: open on that side), so a live
            // page opens and closes the sale at its edges. Absent from facts before it was added.
            salesStartAt: isoTime.nullable().optional(),
            salesEndAt: isoTime.nullable().optional(),
          }),
        )
        .min(1),
    }),
    key: (data) => data.eventId,
  }),

  /** An order cancelled because its event was (for refunds). */
  orderCancelled: defineFact({
    topic: Topics.ordersCancelled,
    type: 'order.cancelled',
    version: 1,
    schema: z.object({
      orderId: id,
      eventId: id,
      userId: id,
      totalCents: count,
      reason: z.literal(EventFacts.eventCancelled.type),
      cancelledAt: isoTime,
    }),
    key: (data) => data.eventId,
  }),

  /**
   * An order as placed: what its receipt and PDF need that only tickets knows (the buyer, the
   * number, the total and the signed ticket codes). The event's details are the events service's.
   */
  orderPlaced: defineFact({
    topic: Topics.ordersPlaced,
    type: 'order.placed',
    version: 1,
    schema: z.object({
      orderId: id,
      number: z.string(),
      eventId: id,
      tierId: id,
      tierName: z.string(),
      userId: id,
      /** Where the receipt goes: the buyer's address and name from their token (absent from old tokens). */
      buyerEmail: z.string().email().optional(),
      buyerName: z.string().optional(),
      quantity: z.number().int().min(1),
      totalCents: count,
      tickets: z.array(z.object({ id, code: z.string() })).min(1),
      placedAt: isoTime,
    }),
    key: (data) => data.eventId,
  }),

  /**
   * A waiting room moved on: its phase, how far it admitted (a WAITING ticket's position is its
   * place minus `admittedThrough`), its pace, and the tickets whose own status changed (admitted,
   * expired, re-queued). WAITING and CLOSED tickets follow from `phase` without being listed.
   */
  waitingRoomChanged: defineFact({
    topic: Topics.ticketsQueue,
    type: 'waiting.room.changed',
    version: 1,
    schema: z.object({
      eventId: id,
      phase: z.enum(['OFF', 'BEFORE_START', 'ADMITTING', 'SOLD_OUT']),
      saleStartsAt: isoTime.nullable(),
      admittedThrough: count,
      admittedPerMinute: count,
      tickets: z.array(
        z.object({
          ticketId: id,
          userId: id,
          status: z.enum(['WAITING', 'ADMITTED', 'EXPIRED', 'CLOSED']),
          place: count.nullable(),
          admittedUntil: isoTime.nullable(),
        }),
      ),
    }),
    key: (data) => data.eventId,
  }),
};

export type TicketsSoldFact = FactData<typeof TicketFacts.ticketsSold>;
export type TiersAvailabilityChangedFact = FactData<typeof TicketFacts.tiersAvailabilityChanged>;
export type OrderCancelledFact = FactData<typeof TicketFacts.orderCancelled>;
export type WaitingRoomChangedFact = FactData<typeof TicketFacts.waitingRoomChanged>;
export type OrderPlacedFact = FactData<typeof TicketFacts.orderPlaced>;
