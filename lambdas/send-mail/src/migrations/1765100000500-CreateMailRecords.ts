import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The mail function's own records, in the `mail` database:
 * - `sent_mail`: one row per (fact, recipient), written "sending" before the SMTP call and
 *   "sent" (or "failed") after, so a redelivered fact or a retried batch sends nobody twice;
 * - `ticket_holders`: who holds which order of which event, as `Facts.orderPlaced` and
 *   `Facts.orderCancelled` told it, so an event's cancellation or move reaches its holders without
 *   asking the tickets service;
 * - `dead_letters`: Kafka records the event source set aside after its retries (for operators).
 */
export class CreateMailRecords1765100000500 implements MigrationInterface {
  name = 'CreateMailRecords1765100000500';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE sent_mail (
      fact_id uuid NOT NULL,
      recipient text NOT NULL,
      kind text NOT NULL,
      status text NOT NULL CHECK (status IN ('sending', 'sent', 'failed')),
      message_id text NOT NULL,
      attempts integer NOT NULL DEFAULT 1,
      error text,
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (fact_id, recipient)
    )`);
    await q.query(
      `CREATE INDEX sent_mail_failed ON sent_mail (updated_at) WHERE status = 'failed'`,
    );
    await q.query(`CREATE TABLE ticket_holders (
      order_id uuid PRIMARY KEY,
      event_id uuid NOT NULL,
      user_id uuid NOT NULL,
      email text,
      name text,
      order_number text NOT NULL,
      tier_name text NOT NULL,
      quantity integer NOT NULL,
      total_cents bigint NOT NULL,
      cancelled boolean NOT NULL DEFAULT false
    )`);
    await q.query('CREATE INDEX ticket_holders_event ON ticket_holders (event_id)');
    await q.query(`CREATE TABLE dead_letters (
      topic text NOT NULL,
      partition integer NOT NULL,
      "offset" bigint NOT NULL,
      function_name text NOT NULL,
      record jsonb NOT NULL,
      error text NOT NULL,
      attempts integer NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (topic, partition, "offset", function_name)
    )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE dead_letters');
    await q.query('DROP TABLE ticket_holders');
    await q.query('DROP TABLE sent_mail');
  }
}
