import { DateTime, checkFirst, type Resolvers } from '@ko/platform';
import { eventCalendar } from './calendar';
import { imageUrl } from './cover-image';
import type { EventFilter } from './catalogue';
import type { Event } from './entities/event';
import type { EventDetails } from './event-management';
import type { EventsContext } from './server';

export const resolvers: Resolvers<EventsContext> = {
  DateTime,
  Query: {
    events: async (
      _root,
      args: { filter?: EventFilter | null; first: number; after?: string | null },
      ctx,
    ) => {
      const page = await ctx.catalogue.list(args.filter ?? {}, args.first, args.after);
      return {
        edges: page.events.map(({ cursor, event }) => ({ cursor, node: event })),
        pageInfo: { hasNextPage: page.hasNextPage, endCursor: page.endCursor },
        totalCount: page.totalCount,
      };
    },
    event: (_root, { id }: { id: string }, ctx) => ctx.catalogue.get(id, ctx.viewer),
    categories: (_root, _args, ctx) => ctx.catalogue.facets('category'),
    cities: (_root, _args, ctx) => ctx.catalogue.facets('city'),
  },
  Mutation: {
    createEvent: (_root, { input }: { input: EventDetails }, ctx) =>
      ctx.management.create(ctx.viewer, input),
    updateEvent: (_root, { id, input }: { id: string; input: Partial<EventDetails> }, ctx) =>
      ctx.management.update(ctx.viewer, id, input),
    publishEvent: (_root, { id }: { id: string }, ctx) => ctx.management.publish(ctx.viewer, id),
    cancelEvent: (_root, { id }: { id: string }, ctx) => ctx.management.cancel(ctx.viewer, id),
    deleteEvent: (_root, { id }: { id: string }, ctx) => ctx.management.delete(ctx.viewer, id),
    setEventImage: (
      _root,
      { eventId, imageBase64 }: { eventId: string; imageBase64: string },
      ctx,
    ) => ctx.management.setImage(ctx.viewer, eventId, imageBase64),
  },
  Event: {
    __resolveReference: async (ref: { id: string }, ctx: EventsContext) => {
      const event = await ctx.events.load(ref.id);
      return event && (event.status !== 'DRAFT' || event.organizerId === ctx.viewer?.id)
        ? event
        : null;
    },
    organizer: (event: Event) => ({ __typename: 'User', id: event.organizerId }),
    icalendar: (event: Event) => eventCalendar(event),
    imageUrl: (event: Event) => imageUrl(event.imageHash),
  },
  User: {
    organizedEvents: (user: { id: string }, args: { first: unknown }, ctx: EventsContext) =>
      ctx.organizedEvents.load({ parentId: user.id, first: checkFirst(args.first, 'events') }),
  },
};
