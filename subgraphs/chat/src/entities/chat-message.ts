import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

export type ChatMessageKind = 'MESSAGE' | 'ANNOUNCEMENT';

@Entity({ name: 'chat_messages' })
export class ChatMessage {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  /** Posting order: the history's sort key and cursor (timestamps can tie). */
  @Column({ type: 'bigint', insert: false, update: false })
  seq: string;

  @Column({ name: 'event_id', type: 'uuid' })
  eventId: string;

  @Column({ name: 'author_id', type: 'uuid' })
  authorId: string;

  /** The author's display name when they posted, so live payloads need no user lookup. */
  @Column({ name: 'author_name', type: 'text' })
  authorName: string;

  @Column({ type: 'text' })
  kind: ChatMessageKind;

  @Column({ type: 'text' })
  body: string;

  @Column({ name: 'created_at', type: 'timestamptz', default: () => 'now()' })
  createdAt: Date;

  @Column({ name: 'deleted_at', type: 'timestamptz', nullable: true })
  deletedAt: Date | null;

  @Column({ name: 'deleted_by', type: 'uuid', nullable: true })
  deletedBy: string | null;
}
