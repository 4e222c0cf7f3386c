import type { MigrationInterface, QueryRunner } from 'typeorm';

export class CreateEvents1764000000200 implements MigrationInterface {
  name = 'CreateEvents1764000000200';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE events (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      title text NOT NULL,
      description text NOT NULL,
      category text NOT NULL,
      venue text NOT NULL,
      city text NOT NULL,
      starts_at timestamptz NOT NULL,
      status text NOT NULL DEFAULT 'DRAFT' CHECK (status IN ('DRAFT', 'ON_SALE', 'CANCELLED')),
      organizer_id uuid NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now(),
      search tsvector GENERATED ALWAYS AS (
        setweight(to_tsvector('english', title), 'A') ||
        setweight(to_tsvector('english', venue || ' ' || city), 'B') ||
        setweight(to_tsvector('english', description), 'C')) STORED)`);
    await q.query('CREATE INDEX events_search ON events USING gin (search)');
    // The listing: published events in start order, keyset-paginated on (starts_at, id).
    await q.query(`CREATE INDEX events_listing ON events (starts_at, id) WHERE status = 'ON_SALE'`);
    await q.query('CREATE INDEX events_organizer ON events (organizer_id)');
    await q.query('CREATE INDEX events_city ON events (lower(city))');
    await q.query('CREATE INDEX events_category ON events (lower(category))');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE events');
  }
}
