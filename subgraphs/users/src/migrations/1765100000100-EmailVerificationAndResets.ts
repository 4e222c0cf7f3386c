import type { MigrationInterface, QueryRunner } from 'typeorm';
import { createRateLimitTable } from '@ko/platform';

/**
 * Verified addresses and single-use mail links (address verification, password reset). A link's
 * token is kept as its SHA-256 only: a leaked table opens no account. `used_at` makes a link
 * single-use (a conditional UPDATE claims it), `expires_at` bounds it. Limits for asking.
 */
export class EmailVerificationAndResets1765100000100 implements MigrationInterface {
  name = 'EmailVerificationAndResets1765100000100';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE users ADD COLUMN email_verified boolean NOT NULL DEFAULT false`);
    await q.query(`CREATE TABLE mail_links (
      token_hash text PRIMARY KEY,
      user_id uuid NOT NULL REFERENCES users (id),
      purpose text NOT NULL CHECK (purpose IN ('VERIFY_EMAIL', 'RESET_PASSWORD')),
      expires_at timestamptz NOT NULL,
      used_at timestamptz,
      created_at timestamptz NOT NULL DEFAULT now()
    )`);
    await q.query('CREATE INDEX mail_links_user ON mail_links (user_id, purpose)');
    await createRateLimitTable(q, 'mail_link_limits');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE mail_link_limits');
    await q.query('DROP TABLE mail_links');
    await q.query('ALTER TABLE users DROP COLUMN email_verified');
  }
}
