import type { MigrationInterface, QueryRunner } from 'typeorm';
import { createRateLimitTable } from '@ko/platform';

export class CreateSignInLimits1764000000101 implements MigrationInterface {
  name = 'CreateSignInLimits1764000000101';

  async up(q: QueryRunner): Promise<void> {
    await createRateLimitTable(q, 'sign_in_limits');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE sign_in_limits');
  }
}
