import type { MigrationInterface, QueryRunner } from 'typeorm';
import { createRateLimitTable } from '@ko/platform';

/** Per-buyer purchase counters (rate-limiter-flexible's layout), shared by every instance. */
export class CreatePurchaseLimits1764000000301 implements MigrationInterface {
  name = 'CreatePurchaseLimits1764000000301';

  async up(q: QueryRunner): Promise<void> {
    await createRateLimitTable(q, 'purchase_limits');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE purchase_limits');
  }
}
