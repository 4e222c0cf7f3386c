import { DateTime, type Resolvers } from '@ko/platform';
import type { ChatMessage } from './entities/chat-message';
import type { ChatContext } from './server';

export const resolvers: Resolvers<ChatContext> = {
  DateTime,
  Mutation: {
    postMessage: (_root, args: { eventId: string; body: string }, ctx) =>
      ctx.posting.postMessage(ctx.viewer, ctx.authorization, args.eventId, args.body),
    postAnnouncement: (_root, args: { eventId: string; body: string }, ctx) =>
      ctx.posting.postAnnouncement(ctx.viewer, ctx.authorization, args.eventId, args.body),
    deleteMessage: (_root, { id }: { id: string }, ctx) =>
      ctx.posting.delete(ctx.viewer, ctx.authorization, id),
  },
  Event: {
    // The events subgraph decides whether the viewer may see the event at all.
    __resolveReference: (ref: { id: string }) => ({ id: ref.id }),
    messages: async (
      event: { id: string },
      args: { first: number; before?: string | null },
      ctx: ChatContext,
    ) => {
      const page = await ctx.messages.load({
        parentId: event.id,
        first: args.first,
        before: args.before ?? null,
      });
      return {
        edges: page.messages.map(({ cursor, message }) => ({ cursor, node: message })),
        pageInfo: { hasNextPage: page.hasNextPage, endCursor: page.endCursor },
      };
    },
    announcements: (event: { id: string }, args: { first: number }, ctx: ChatContext) =>
      ctx.announcements.load({ parentId: event.id, first: args.first }),
  },
  ChatMessage: {
    author: (message: ChatMessage) => ({ __typename: 'User', id: message.authorId }),
    event: (message: ChatMessage) => ({ __typename: 'Event', id: message.eventId }),
  },
};
