import type { MigrationInterface, QueryRunner } from 'typeorm';
import { createRateLimitTable } from '@ko/platform';
import { displayNameKey } from '../names';

/**
 * Account status and token version (sessions that can be ended), organizer names unique in their
 * normalised form, and the per-address registration limit's table. Organizers who already share a
 * name keep it with a number after it (" (2)"), the earliest account keeping it as it was.
 */
export class AccountStateAndOrganizerNames1765012400100 implements MigrationInterface {
  name = 'AccountStateAndOrganizerNames1765012400100';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE users
      ADD COLUMN status text NOT NULL DEFAULT 'ACTIVE' CHECK (status IN ('ACTIVE', 'DISABLED', 'DELETED')),
      ADD COLUMN token_version integer NOT NULL DEFAULT 0 CHECK (token_version >= 0),
      ADD COLUMN name_key text`);
    const rows = (await q.query(
      'SELECT id, name, role FROM users ORDER BY created_at, id',
    )) as Array<{ id: string; name: string; role: string }>;
    const taken = new Set<string>();
    for (const row of rows) {
      let name = row.name;
      let key = displayNameKey(name);
      if (row.role === 'ORGANIZER') {
        for (let n = 2; taken.has(key); n++) {
          name = `${row.name} (${n})`;
          key = displayNameKey(name);
        }
        taken.add(key);
      }
      await q.query('UPDATE users SET name = $2, name_key = $3 WHERE id = $1', [row.id, name, key]);
    }
    await q.query(
      `CREATE UNIQUE INDEX users_organizer_name_unique ON users (name_key) WHERE role = 'ORGANIZER'`,
    );
    await createRateLimitTable(q, 'registration_limits');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE registration_limits');
    await q.query('DROP INDEX users_organizer_name_unique');
    await q.query(
      'ALTER TABLE users DROP COLUMN status, DROP COLUMN token_version, DROP COLUMN name_key',
    );
  }
}
