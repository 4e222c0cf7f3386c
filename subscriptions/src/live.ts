import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeExecutableSchema } from '@graphql-tools/schema';
import type { GraphQLSchema } from 'graphql';
import { DateTime } from '@ko/platform/scalars';
import { badInput, forbidden, notFound, unauthenticated } from '@ko/platform/errors';
import { isUuid } from '@ko/platform/ids';
import { type EventDirectory } from '@ko/platform/event-directory';
import { type Viewer } from '@ko/platform/auth';
import type { EventUpdates } from './event-updates';
import type { ClientSocket, Fanout } from './fanout';
import type { ChatMessageFact } from './kafka-feed';
import type { QueueTicketUpdate as QueueTicketPayload, QueueUpdates } from './queue-updates';
import type { RelayDelivery } from './live-relay';

/** Close code for a connection that needs a (valid) token: graphql-ws's Unauthorized. */
export const UNAUTHORIZED_CLOSE_CODE = 4401;

/** Per operation: who is connected on which socket, and the shared services. */
export interface LiveContext {
  viewer: Viewer | null;
  /** The connection's `authorization` param, forwarded to the events service. */
  authorization?: string;
  socket: ClientSocket;
  fanout: Fanout;
  events: EventDirectory;
  updates: EventUpdates;
  queue: QueueUpdates;
  /** Where this subscription's results go instead of `socket`, when its router relays them. */
  relay?: RelayDelivery;
}

const typeDefs = readFileSync(join(__dirname, '..', 'src', 'schema.graphql'), 'utf8');

/** Anyone may follow an event's chat, if they can see the event (drafts: their organizer only). */
async function visibleEvent(eventId: string, ctx: LiveContext) {
  if (!isUuid(eventId)) throw badInput('eventId must be an event id.', { field: 'eventId' });
  const event = await ctx.events.find(eventId, ctx.authorization);
  if (!event || (event.status === 'DRAFT' && event.organizerId !== ctx.viewer?.id))
    throw notFound('Event', eventId);
  return event;
}

const passThrough = <T>(payload: T) => payload;

/**
 * `first`, then whatever `rest` yields; ending it ends `rest` at once. Not an async generator:
 * a generator's return() waits for the pending next(), so a fan who left while waiting stayed
 * subscribed (socket and all) until their ticket's next update, which after it closes never comes.
 */
function startingWith<T>(first: T, rest: AsyncIterableIterator<T>): AsyncIterableIterator<T> {
  let firstSent = false;
  const end = async (): Promise<IteratorResult<T>> => {
    firstSent = true;
    await rest.return?.();
    return { value: undefined, done: true };
  };
  return {
    next: () => {
      if (firstSent) return rest.next();
      firstSent = true;
      return Promise.resolve({ value: first, done: false });
    },
    return: end,
    throw: async (error?: unknown) => {
      await end();
      throw error;
    },
    [Symbol.asyncIterator]() {
      return this;
    },
  };
}

export function buildLiveSchema(): GraphQLSchema {
  return makeExecutableSchema<LiveContext>({
    typeDefs,
    resolvers: {
      DateTime,
      Query: { ping: () => true },
      Subscription: {
        messagePosted: {
          subscribe: async (_root: unknown, { eventId }: { eventId: string }, ctx: LiveContext) => {
            await visibleEvent(eventId, ctx);
            return ctx.fanout.subscribe('messagePosted', eventId, ctx.socket);
          },
          resolve: passThrough,
        },
        messageDeleted: {
          subscribe: async (_root: unknown, { eventId }: { eventId: string }, ctx: LiveContext) => {
            await visibleEvent(eventId, ctx);
            return ctx.fanout.subscribe('messageDeleted', eventId, ctx.socket);
          },
          resolve: passThrough,
        },
        ticketsSold: {
          subscribe: async (_root: unknown, { eventId }: { eventId: string }, ctx: LiveContext) => {
            if (!ctx.viewer) {
              // A token is needed here and none came with the connection: say so and hang up.
              ctx.socket.close(
                UNAUTHORIZED_CLOSE_CODE,
                'Sign in to follow ticket sales: send connectionParams.authorization.',
              );
              throw unauthenticated(
                'Sign in to follow ticket sales: send connectionParams.authorization.',
              );
            }
            const event = await visibleEvent(eventId, ctx);
            if (event.organizerId !== ctx.viewer.id)
              throw forbidden('Only the organizer of this event can follow its ticket sales.');
            return ctx.fanout.subscribe('ticketsSold', eventId, ctx.socket);
          },
          resolve: passThrough,
        },
        eventUpdated: {
          subscribe: async (_root: unknown, { eventId }: { eventId: string }, ctx: LiveContext) => {
            // Anyone who may see the event: a draft's updates go to its organizer only.
            const event = await visibleEvent(eventId, ctx);
            ctx.updates.follow(eventId, event.status);
            return ctx.fanout.subscribe('eventUpdated', eventId, ctx.socket);
          },
          resolve: passThrough,
        },
        queueTicketUpdated: {
          subscribe: async (
            _root: unknown,
            { ticketId }: { ticketId: string },
            ctx: LiveContext,
          ) => {
            if (!ctx.viewer) {
              ctx.socket.close(
                UNAUTHORIZED_CLOSE_CODE,
                'Sign in to follow your place in a waiting room: send connectionParams.authorization.',
              );
              throw unauthenticated('Sign in to follow your place in a waiting room.');
            }
            if (!isUuid(ticketId))
              throw badInput('ticketId must be a queue ticket id.', { field: 'ticketId' });
            // Subscribed first, so nothing between the read and the subscription is missed.
            const live = ctx.fanout.subscribe<QueueTicketPayload>(
              'queueTicketUpdated',
              ticketId,
              ctx.socket,
            );
            // Ended on every way out but the one that hands it to graphql-ws, or it stays subscribed.
            const now = await ctx.queue.follow(ticketId, ctx.authorization).catch(async (error) => {
              await live.return?.();
              throw error;
            });
            if (!now) {
              await live.return?.();
              throw notFound('QueueTicket', ticketId);
            }
            return startingWith(now, live);
          },
          resolve: passThrough,
        },
      },
      ChatMessage: {
        author: (message: ChatMessageFact) => ({ id: message.authorId, name: message.authorName }),
        event: (message: ChatMessageFact) => ({ id: message.eventId }),
      },
    },
  });
}
