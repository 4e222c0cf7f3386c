import type { MigrationInterface, QueryRunner } from 'typeorm';

/** A tier's sale window: held or bought only between these (either open-ended when null). */
export class SaleWindows1765030000000 implements MigrationInterface {
  name = 'SaleWindows1765030000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(
      `ALTER TABLE ticket_tiers ADD COLUMN sales_start_at timestamptz,
         ADD COLUMN sales_end_at timestamptz,
         ADD CONSTRAINT ticket_tiers_sale_window CHECK (sales_end_at > sales_start_at)`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE ticket_tiers DROP COLUMN sales_start_at, DROP COLUMN sales_end_at');
  }
}
