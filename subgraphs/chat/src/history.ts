import type { DataSource } from 'typeorm';
import { badInput, isUuid } from '@ko/platform';
import { ChatMessage } from './entities/chat-message';

export const MAX_PAGE_SIZE = 100;

export interface MessagePage {
  messages: Array<{ cursor: string; message: ChatMessage }>;
  hasNextPage: boolean;
  endCursor: string | null;
}

// The cursor is the message's posting sequence number; opaque to clients.
const encodeCursor = (message: Pick<ChatMessage, 'seq'>) =>
  Buffer.from(`m:${message.seq}`).toString('base64url');

function decodeCursor(cursor: string): string {
  const match = /^m:(\d{1,18})$/.exec(Buffer.from(cursor, 'base64url').toString('utf8'));
  if (!match)
    throw badInput('The `before` cursor is not one this API returned.', { field: 'before' });
  return match[1];
}

function checkPageSize(first: number): void {
  if (!Number.isInteger(first) || first < 1 || first > MAX_PAGE_SIZE) {
    throw badInput(`Ask for 1 to ${MAX_PAGE_SIZE} messages at a time.`, { field: 'first' });
  }
}

/** Reading an event's chat: newest first, deleted messages never shown. */
export class ChatHistory {
  constructor(private readonly db: DataSource) {}

  /** Messages and announcements, newest first; `before` continues with older ones. */
  async messages(eventId: string, first: number, before?: string | null): Promise<MessagePage> {
    checkPageSize(first);
    if (!isUuid(eventId)) return { messages: [], hasNextPage: false, endCursor: null };
    const query = this.db
      .getRepository(ChatMessage)
      .createQueryBuilder('m')
      .where('m.event_id = :eventId', { eventId })
      .andWhere('m.deleted_at IS NULL');
    if (before) query.andWhere('m.seq < :before', { before: decodeCursor(before) });
    const rows = await query
      .orderBy('m.seq', 'DESC')
      .take(first + 1)
      .getMany();
    const messages = rows
      .slice(0, first)
      .map((message) => ({ cursor: encodeCursor(message), message }));
    return {
      messages,
      hasNextPage: rows.length > first,
      endCursor: messages.length ? messages[messages.length - 1].cursor : null,
    };
  }

  async announcements(eventId: string, first: number): Promise<ChatMessage[]> {
    checkPageSize(first);
    if (!isUuid(eventId)) return [];
    return this.db
      .getRepository(ChatMessage)
      .createQueryBuilder('m')
      .where('m.event_id = :eventId', { eventId })
      .andWhere(`m.kind = 'ANNOUNCEMENT'`)
      .andWhere('m.deleted_at IS NULL')
      .orderBy('m.seq', 'DESC')
      .take(first)
      .getMany();
  }
}
