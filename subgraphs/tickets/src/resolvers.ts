import { Cents, DateTime, checkFirst, type Resolvers } from '@ko/platform';
import { attendeesCsv } from './attendee-export';
import type { Scan } from './door';
import type { Hold } from './entities/hold';
import type { Order } from './entities/order';
import type { Ticket } from './entities/ticket';
import type { TicketTier } from './entities/ticket-tier';
import type { TierInput } from './inventory';
import type { SalesBucket } from './sales-reports';
import type { TicketsContext } from './server';
import type { TierChanges } from './tier-editor';
import type { WaitingRoomSettings } from './waiting-room';
import { Wallet, orderNumber } from './wallet';

const eventRef = (id: string) => ({ __typename: 'Event', id });
const userRef = (id: string) => ({ __typename: 'User', id });

export const resolvers: Resolvers<TicketsContext> = {
  DateTime,
  Cents,
  Query: {
    ticketSigningKey: (_root, _args, ctx) => JSON.stringify(ctx.signer.publicJwk),
    order: (_root, { id }: { id: string }, ctx) => ctx.wallet.orderOf(ctx.viewer, id),
    queueTicket: (_root, { id }: { id: string }, ctx) => ctx.waitingRoom.ticket(ctx.viewer, id),
  },
  Mutation: {
    addTicketTier: (_root, { eventId, input }: { eventId: string; input: TierInput }, ctx) =>
      ctx.inventory.addTier(ctx.viewer, eventId, input, ctx.authorization),
    updateTicketTier: (_root, { id, input }: { id: string; input: TierChanges }, ctx) =>
      ctx.tierEditor.update(ctx.viewer, id, input),
    reserveTickets: async (
      _root,
      { input }: { input: { tierId: string; quantity: number } },
      ctx,
    ) => {
      await ctx.verifiedBuyers.check(ctx.viewer, ctx.authorization);
      return ctx.admissionPace.timed(() =>
        ctx.boxOffice.reserve(ctx.viewer, input, ctx.authorization),
      );
    },
    checkout: (
      _root,
      { holdId, idempotencyKey }: { holdId: string; idempotencyKey: string },
      ctx,
    ) => ctx.admissionPace.timed(() => ctx.boxOffice.checkout(ctx.viewer, holdId, idempotencyKey)),
    purchaseTickets: async (
      _root,
      { input }: { input: { tierId: string; quantity: number; idempotencyKey: string } },
      ctx,
    ) => {
      await ctx.verifiedBuyers.check(ctx.viewer, ctx.authorization);
      // The new order's tickets are in hand: its `tickets` field need not read them back.
      return ctx.admissionPace.timed(() =>
        ctx.boxOffice.purchase(ctx.viewer, input, ctx.authorization, (order, tickets) =>
          ctx.ticketsByOrder.prime(order.id, tickets),
        ),
      );
    },
    checkInTicket: (_root, { code }: { code: string }, ctx) =>
      ctx.door.checkIn(ctx.viewer, code, ctx.authorization),
    checkInTickets: (_root, { scans }: { scans: Scan[] }, ctx) =>
      ctx.door.checkInBatch(ctx.viewer, scans, ctx.authorization),
    releaseHold: (_root, { holdId }: { holdId: string }, ctx) =>
      ctx.holdDesk.release(ctx.viewer, holdId),
    setWaitingRoom: (
      _root,
      { eventId, input }: { eventId: string; input: WaitingRoomSettings },
      ctx,
    ) => ctx.waitingRoom.set(ctx.viewer, eventId, input, ctx.authorization),
    joinWaitingRoom: (_root, { eventId }: { eventId: string }, ctx) =>
      ctx.waitingRoom.join(ctx.viewer, eventId, ctx.receivedAt),
  },
  Event: {
    __resolveReference: (ref: { id: string }) => ({ id: ref.id }),
    waitingRoom: (event: { id: string }, _args: unknown, ctx: TicketsContext) =>
      ctx.rooms.load(event.id).then((room) => room ?? null),
    tiers: (event: { id: string }, _args: unknown, ctx: TicketsContext) =>
      ctx.tiersByEvent.load(event.id),
    salesReport: (
      event: { id: string },
      { bucket }: { bucket: SalesBucket | null },
      ctx: TicketsContext,
    ) =>
      // An explicit `bucket: null` overrides the schema's default in GraphQL: it means the default.
      ctx.salesReports.report(ctx.viewer, event.id, bucket ?? 'DAY', {
        event: (id) => ctx.eventDetails.load(id),
        tiers: (id) => ctx.tiersByEvent.load(id),
        sales: (id, by) => ctx.salesByEvent.load(`${by}:${id}`),
      }),
    attendees: async (
      event: { id: string },
      args: { first: unknown; after?: string | null; search?: string | null },
      ctx: TicketsContext,
    ) => {
      const page = await ctx.guestList.page(
        ctx.viewer,
        event.id,
        { first: checkFirst(args.first, 'attendees'), after: args.after, search: args.search },
        ctx.authorization,
      );
      return {
        edges: page.attendees.map(({ cursor, attendee }) => ({ cursor, node: attendee })),
        pageInfo: { hasNextPage: page.hasNextPage, endCursor: page.endCursor },
        totalCount: page.totalCount,
      };
    },
    attendeesCsv: async (event: { id: string }, _args: unknown, ctx: TicketsContext) => {
      const attendees = await ctx.guestList.everyone(ctx.viewer, event.id, ctx.authorization);
      const tiers = new Map((await ctx.tiersByEvent.load(event.id)).map((t) => [t.id, t.name]));
      return attendeesCsv(attendees, {
        tierName: (id) => tiers.get(id) ?? '',
        orderNumber,
      });
    },
    checkIns: async (event: { id: string }, _args: unknown, ctx: TicketsContext) => {
      const counts = await ctx.guestList.checkIns(ctx.viewer, event.id, ctx.authorization);
      const tiers = (await ctx.tiersByEvent.load(event.id)).map((tier) => ({
        tier,
        ...(counts.get(tier.id) ?? { sold: 0, checkedIn: 0 }),
      }));
      return {
        checkedIn: tiers.reduce((sum, t) => sum + t.checkedIn, 0),
        sold: tiers.reduce((sum, t) => sum + t.sold, 0),
        tiers,
      };
    },
  },
  User: {
    __resolveReference: (ref: { id: string }) => ({ id: ref.id }),
    // Visible to their owner only: null for anyone else, like `User.email`.
    tickets: (user: { id: string }, args: { first: unknown }, ctx: TicketsContext) => {
      const first = checkFirst(args.first, 'tickets');
      return ctx.viewer?.id === user.id ? ctx.ticketsOf.load({ parentId: user.id, first }) : null;
    },
    orders: (user: { id: string }, args: { first: unknown }, ctx: TicketsContext) => {
      const first = checkFirst(args.first, 'orders');
      return ctx.viewer?.id === user.id ? ctx.ordersOf.load({ parentId: user.id, first }) : null;
    },
    holds: (user: { id: string }, args: { first: unknown }, ctx: TicketsContext) =>
      ctx.holdDesk.activeOf(ctx.viewer, user.id, checkFirst(args.first, 'holds')),
    queueTickets: (user: { id: string }, _args: unknown, ctx: TicketsContext) =>
      ctx.waitingRoom.ticketsOf(ctx.viewer, user.id),
  },
  TicketTier: {
    available: (tier: TicketTier) => tier.available,
    // The organizer's counters, the same rows the sales report reads: nobody else's business.
    sold: (tier: TicketTier, _args: unknown, ctx: TicketsContext) =>
      ctx.viewer?.id === tier.organizerId ? tier.sold : null,
    held: (tier: TicketTier, _args: unknown, ctx: TicketsContext) =>
      ctx.viewer?.id === tier.organizerId ? tier.held : null,
    event: (tier: TicketTier) => eventRef(tier.eventId),
  },
  Hold: {
    tier: (hold: Hold, _args: unknown, ctx: TicketsContext) => ctx.tiers.load(hold.tierId),
    status: (hold: Hold) => Wallet.holdStatus(hold),
  },
  Order: {
    number: (order: Order) => orderNumber(order.id),
    event: (order: Order) => eventRef(order.eventId),
    tier: (order: Order, _args: unknown, ctx: TicketsContext) => ctx.tiers.load(order.tierId),
    tickets: (order: Order, _args: unknown, ctx: TicketsContext) =>
      ctx.ticketsByOrder.load(order.id),
    pdf: (order: Order, _args: unknown, ctx: TicketsContext) =>
      ctx.printer.orderPdf(ctx.viewer, order, {
        tickets: (id) => ctx.ticketsByOrder.load(id),
        tier: (id) => ctx.tiers.load(id),
        event: (id) => ctx.eventDetails.load(id),
      }),
  },
  Ticket: {
    tier: (ticket: Ticket, _args: unknown, ctx: TicketsContext) => ctx.tiers.load(ticket.tierId),
    event: (ticket: Ticket) => eventRef(ticket.eventId),
    owner: (ticket: Ticket) => userRef(ticket.ownerId),
  },
};
