import { z } from 'zod';
import { defineFact, type FactData } from './envelope';
import { id, isoTime } from './fields';
import { Topics } from './topics';

// The chat service's facts, on `chat.messages`.

/** Kinds of chat message. */
export const ChatMessageKindSchema = z.enum(['MESSAGE', 'ANNOUNCEMENT']);

export const ChatFacts = {
  chatMessagePosted: defineFact({
    topic: Topics.chatMessages,
    type: 'chat.message.posted',
    version: 1,
    schema: z.object({
      id,
      eventId: id,
      body: z.string(),
      kind: ChatMessageKindSchema,
      authorId: id,
      authorName: z.string(),
      createdAt: isoTime,
    }),
    key: (data) => data.eventId,
  }),

  chatMessageDeleted: defineFact({
    topic: Topics.chatMessages,
    type: 'chat.message.deleted',
    version: 1,
    schema: z.object({ id, eventId: id, deletedAt: isoTime }),
    key: (data) => data.eventId,
  }),
};

export type ChatMessagePostedFact = FactData<typeof ChatFacts.chatMessagePosted>;
export type ChatMessageDeletedFact = FactData<typeof ChatFacts.chatMessageDeleted>;
