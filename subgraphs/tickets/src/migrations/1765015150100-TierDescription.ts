import type { MigrationInterface, QueryRunner } from 'typeorm';

/** A tier's description, edited with `updateTicketTier`; at most 1,000 characters. */
export class TierDescription1765015150100 implements MigrationInterface {
  name = 'TierDescription1765015150100';

  async up(q: QueryRunner): Promise<void> {
    await q.query(
      'ALTER TABLE ticket_tiers ADD COLUMN description text CHECK (char_length(description) <= 1000)',
    );
    // Whether a tier ever sold is asked of its orders when its price is edited.
    await q.query('CREATE INDEX orders_tier ON orders (tier_id)');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP INDEX orders_tier');
    await q.query('ALTER TABLE ticket_tiers DROP COLUMN description');
  }
}
