import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Cover images, stored by the hash of their re-encoded bytes (so a URL names one image for
 * ever and can be cached as immutable); an event points at its current one.
 */
export class EventImages1765100000200 implements MigrationInterface {
  name = 'EventImages1765100000200';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE event_images (
      hash text PRIMARY KEY CHECK (hash ~ '^[0-9a-f]{32}$'),
      content_type text NOT NULL,
      bytes bytea NOT NULL,
      width int NOT NULL,
      height int NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now())`);
    // Checked at commit: the event and its new image are written in one transaction, either first.
    await q.query(`ALTER TABLE events ADD COLUMN image_hash text
      REFERENCES event_images (hash) DEFERRABLE INITIALLY DEFERRED`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE events DROP COLUMN image_hash');
    await q.query('DROP TABLE event_images');
  }
}
