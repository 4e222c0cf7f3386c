import { randomUUID } from 'node:crypto';
import type { DataSource, EntityManager } from 'typeorm';
import {
  DomainError,
  Facts,
  badInput,
  changeAndEnqueue,
  characterCount,
  checkText,
  enqueue,
  forbidden,
  isUuid,
  notFound,
  requireViewer,
  type EventDirectory,
  type ChatMessagePostedFact,
  type EventSummary,
  type Viewer,
} from '@ko/platform';
import { ChatMessage, type ChatMessageKind } from './entities/chat-message';
import type { PostingRateLimit } from './rate-limit';

export const MAX_BODY_LENGTH = 2_000;

/**
 * Trims the body and checks its length in characters (not UTF-16 units, so emoji count once).
 * The text is otherwise kept as written: clients escape it when they show it.
 */
export function validateBody(body: string): string {
  const trimmed = body.trim();
  checkText(trimmed, 'body', { required: true });
  const length = characterCount(trimmed);
  if (length < 1 || length > MAX_BODY_LENGTH) {
    throw badInput(
      `A message must be 1 to ${MAX_BODY_LENGTH} characters long (after trimming spaces).`,
      { field: 'body' },
    );
  }
  // PostgreSQL text cannot hold NUL; refuse it rather than fail on insert.
  if (trimmed.includes('\u0000'))
    throw badInput('A message cannot contain NUL characters.', { field: 'body' });
  return trimmed;
}

/** Who can write what in an event's chat. A stored message and its Kafka fact commit together. */
export class ChatPosting {
  constructor(
    private readonly db: DataSource,
    private readonly events: EventDirectory,
    private readonly rateLimit: PostingRateLimit,
    private readonly onCommitted: () => void = () => undefined,
  ) {}

  postMessage(
    viewer: Viewer | null,
    authorization: string | undefined,
    eventId: string,
    body: string,
  ): Promise<ChatMessage> {
    return this.post(viewer, authorization, eventId, body, 'MESSAGE');
  }

  postAnnouncement(
    viewer: Viewer | null,
    authorization: string | undefined,
    eventId: string,
    body: string,
  ): Promise<ChatMessage> {
    return this.post(viewer, authorization, eventId, body, 'ANNOUNCEMENT');
  }

  /** Its author or the event's organizer removes a message; it disappears for everyone. */
  async delete(
    viewer: Viewer | null,
    authorization: string | undefined,
    id: string,
  ): Promise<string> {
    const user = requireViewer(viewer);
    if (!isUuid(id)) throw notFound('Message', id);
    const message = await this.db.getRepository(ChatMessage).findOneBy({ id });
    if (!message || message.deletedAt) throw notFound('Message', id);
    if (message.authorId !== user.id) {
      const event = await this.events.find(message.eventId, authorization);
      if (event?.organizerId !== user.id)
        throw forbidden("Only its author or the event's organizer can delete a message.");
    }
    const deleted = await this.db.transaction(async (manager: EntityManager) => {
      const rows = (await manager.query(
        'UPDATE chat_messages SET deleted_at = now(), deleted_by = $2 WHERE id = $1 AND deleted_at IS NULL RETURNING deleted_at',
        [id, user.id],
      )) as [Array<{ deleted_at: Date }>, number];
      const [updated] = rows[0];
      // Deleted meanwhile by someone else: same answer as for any message that is gone.
      if (!updated) throw notFound('Message', id);
      await enqueue(manager, Facts.chatMessageDeleted, {
        id,
        eventId: message.eventId,
        deletedAt: updated.deleted_at.toISOString(),
      });
      return id;
    });
    this.onCommitted();
    return deleted;
  }

  private async post(
    viewer: Viewer | null,
    authorization: string | undefined,
    eventId: string,
    rawBody: string,
    kind: ChatMessageKind,
  ): Promise<ChatMessage> {
    const author = requireViewer(viewer);
    const body = validateBody(rawBody);
    const event = await this.openEvent(eventId, author, authorization);
    if (kind === 'ANNOUNCEMENT' && event.organizerId !== author.id) {
      throw forbidden('Only the organizer of this event can post announcements.');
    }
    await this.rateLimit.consume(author.id, event.id);
    const message = await this.store({
      id: randomUUID(),
      eventId: event.id,
      authorId: author.id,
      authorName: author.name ?? 'Someone',
      kind,
      body,
      createdAt: new Date(),
    });
    this.onCommitted();
    return message;
  }

  /**
   * The message and its `chat.message.posted` fact in one statement, so one round trip and no
   * transaction: both rows are written or neither. Its id and time are chosen here, so the fact
   * is complete before the statement; only `seq` (the posting order) comes back.
   */
  private async store(
    fields: Omit<ChatMessage, 'seq' | 'deletedAt' | 'deletedBy'>,
  ): Promise<ChatMessage> {
    const [row] = await changeAndEnqueue<{ seq: string }, ChatMessagePostedFact, never>(
      this.db.manager,
      {
        sql: `INSERT INTO chat_messages (id, event_id, author_id, author_name, kind, body, created_at)
              VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING seq`,
        params: [
          fields.id,
          fields.eventId,
          fields.authorId,
          fields.authorName,
          fields.kind,
          fields.body,
          fields.createdAt,
        ],
      },
      Facts.chatMessagePosted,
      { ...fields, createdAt: fields.createdAt.toISOString() },
      {},
    );
    return Object.assign(new ChatMessage(), fields, {
      seq: row!.seq,
      deletedAt: null,
      deletedBy: null,
    });
  }

  /** The event as the events service sees it now (or a few seconds ago): it must be on sale. */
  private async openEvent(
    eventId: string,
    viewer: Viewer,
    authorization: string | undefined,
  ): Promise<EventSummary> {
    const event = await this.events.find(eventId, authorization);
    // A draft is visible to its organizer only; to everyone else it does not exist.
    if (!event || (event.status === 'DRAFT' && event.organizerId !== viewer.id))
      throw notFound('Event', eventId);
    if (event.status === 'CANCELLED')
      throw new DomainError('CONFLICT', 'This event is cancelled; its chat is closed.');
    if (event.status === 'DRAFT')
      throw new DomainError('CONFLICT', 'The chat opens when the event is published.');
    return event;
  }
}
