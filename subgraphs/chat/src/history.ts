import type { DataSource } from 'typeorm';
import { badInput, groupBy, isUuid } from '@ko/platform';
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

  /**
   * For a loader: each event's messages and announcements, newest first, `before` continuing
   * with older ones; one query for all the events (a window per event).
   */
  async messages(
    eventIds: string[],
    first: number,
    before?: string | null,
  ): Promise<Map<string, MessagePage>> {
    checkPageSize(first);
    const beforeSeq = before ? decodeCursor(before) : null;
    const rows = await this.newest(eventIds, first + 1, beforeSeq ? 'm.seq < :before' : null, {
      before: beforeSeq,
    });
    const pages = new Map<string, MessagePage>();
    for (const [eventId, found] of rows) {
      const messages = found
        .slice(0, first)
        .map((message) => ({ cursor: encodeCursor(message), message }));
      pages.set(eventId, {
        messages,
        hasNextPage: found.length > first,
        endCursor: messages.length ? messages[messages.length - 1].cursor : null,
      });
    }
    return pages;
  }

  /** For a loader: each event's newest announcements. */
  async announcements(eventIds: string[], first: number): Promise<Map<string, ChatMessage[]>> {
    checkPageSize(first);
    return this.newest(eventIds, first, `m.kind = 'ANNOUNCEMENT'`, {});
  }

  private async newest(
    eventIds: string[],
    limit: number,
    condition: string | null,
    params: Record<string, unknown>,
  ): Promise<Map<string, ChatMessage[]>> {
    const ids = eventIds.filter(isUuid);
    if (ids.length === 0) return new Map();
    const where = `m.event_id = ANY(:ids) AND m.deleted_at IS NULL${condition ? ` AND ${condition}` : ''}`;
    const rows = await this.db
      .getRepository(ChatMessage)
      .createQueryBuilder('m')
      .where(
        `m.id IN (SELECT id FROM (
           SELECT m.id, row_number() OVER (PARTITION BY m.event_id ORDER BY m.seq DESC) AS n
           FROM chat_messages m WHERE ${where}
         ) ranked WHERE n <= :limit)`,
        { ...params, ids, limit },
      )
      .orderBy('m.seq', 'DESC')
      .getMany();
    return groupBy(rows, (m) => m.eventId);
  }
}
