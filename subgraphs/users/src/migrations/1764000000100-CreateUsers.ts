import type { MigrationInterface, QueryRunner } from 'typeorm';

export class CreateUsers1764000000100 implements MigrationInterface {
  name = 'CreateUsers1764000000100';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE users (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      email text NOT NULL,
      name text NOT NULL,
      role text NOT NULL CHECK (role IN ('FAN', 'ORGANIZER')),
      password_hash text NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now())`);
    // Emails are stored normalised; the index also guards case variants written by hand.
    await q.query('CREATE UNIQUE INDEX users_email_unique ON users (lower(email))');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE users');
  }
}
