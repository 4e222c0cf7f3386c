import type { MigrationInterface, QueryRunner } from 'typeorm';

export class CreateChatMessages1764000000400 implements MigrationInterface {
  name = 'CreateChatMessages1764000000400';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE chat_messages (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      seq bigserial NOT NULL UNIQUE,
      event_id uuid NOT NULL,
      author_id uuid NOT NULL,
      author_name text NOT NULL,
      kind text NOT NULL CHECK (kind IN ('MESSAGE', 'ANNOUNCEMENT')),
      body text NOT NULL CHECK (char_length(body) BETWEEN 1 AND 2000),
      created_at timestamptz NOT NULL DEFAULT now(),
      deleted_at timestamptz,
      deleted_by uuid)`);
    // An event's history, newest first, keyset-paginated on seq; deleted messages are never listed.
    await q.query(
      'CREATE INDEX chat_messages_history ON chat_messages (event_id, seq DESC) WHERE deleted_at IS NULL',
    );
    await q.query(
      `CREATE INDEX chat_messages_announcements ON chat_messages (event_id, seq DESC) WHERE deleted_at IS NULL AND kind = 'ANNOUNCEMENT'`,
    );
    // rate-limiter-flexible's PostgreSQL store (its own layout), shared by every chat instance.
    await q.query(`CREATE TABLE chat_rate_limits (
      key varchar(255) PRIMARY KEY,
      points integer NOT NULL DEFAULT 0,
      expire bigint)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE chat_rate_limits');
    await q.query('DROP TABLE chat_messages');
  }
}
