import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Where and in what money an event happens: its venue's time zone, its currency, its address. */
export class AddEventPlace1765014140200 implements MigrationInterface {
  name = 'AddEventPlace1765014140200';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE events
      ADD COLUMN time_zone text NOT NULL DEFAULT 'UTC',
      ADD COLUMN currency text NOT NULL DEFAULT 'EUR' CHECK (currency ~ '^[A-Z]{3}$'),
      ADD COLUMN address text`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(
      'ALTER TABLE events DROP COLUMN time_zone, DROP COLUMN currency, DROP COLUMN address',
    );
  }
}
