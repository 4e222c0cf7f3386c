import type { MigrationInterface, QueryRunner } from 'typeorm';

// 2^53 - 1: money is exact up to there (DESIGN.md), which a JS number still holds exactly.
const MAX_SAFE = '9007199254740991';

/**
 * Money columns as bigint: an order of many expensive tickets, and any sum of orders, can pass
 * integer's 2^31 cents (€21,474,836.47). Capped at 2^53 - 1 so every amount reads back exactly.
 */
export class MoneyAsBigint1765012100000 implements MigrationInterface {
  name = 'MoneyAsBigint1765012100000';

  async up(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE ticket_tiers ALTER COLUMN price_cents TYPE bigint');
    await q.query(
      `ALTER TABLE ticket_tiers ADD CONSTRAINT ticket_tiers_price_exact CHECK (price_cents <= ${MAX_SAFE})`,
    );
    await q.query('ALTER TABLE orders ALTER COLUMN total_cents TYPE bigint');
    await q.query(
      `ALTER TABLE orders ADD CONSTRAINT orders_total_exact CHECK (total_cents <= ${MAX_SAFE})`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE orders DROP CONSTRAINT orders_total_exact');
    await q.query('ALTER TABLE orders ALTER COLUMN total_cents TYPE integer');
    await q.query('ALTER TABLE ticket_tiers DROP CONSTRAINT ticket_tiers_price_exact');
    await q.query('ALTER TABLE ticket_tiers ALTER COLUMN price_cents TYPE integer');
  }
}
