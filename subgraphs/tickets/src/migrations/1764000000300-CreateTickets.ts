import type { MigrationInterface, QueryRunner } from 'typeorm';

export class CreateTickets1764000000300 implements MigrationInterface {
  name = 'CreateTickets1764000000300';

  async up(q: QueryRunner): Promise<void> {
    // What tickets knows of each event: fed by events.lifecycle, seeded by direct checks.
    // `as_of` orders the two sources: an older fact never overwrites a newer state.
    await q.query(`CREATE TABLE event_states (
      event_id uuid PRIMARY KEY,
      organizer_id uuid NOT NULL,
      status text NOT NULL CHECK (status IN ('DRAFT', 'ON_SALE', 'CANCELLED')),
      as_of timestamptz NOT NULL)`);

    // The inventory. The CHECK is the last line of defence: no code path can oversell.
    await q.query(`CREATE TABLE ticket_tiers (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      event_id uuid NOT NULL,
      organizer_id uuid NOT NULL,
      name text NOT NULL,
      price_cents integer NOT NULL CHECK (price_cents >= 0),
      capacity integer NOT NULL CHECK (capacity > 0),
      sold integer NOT NULL DEFAULT 0,
      held integer NOT NULL DEFAULT 0,
      event_cancelled boolean NOT NULL DEFAULT false,
      created_at timestamptz NOT NULL DEFAULT now(),
      CONSTRAINT ticket_tiers_inventory CHECK (sold >= 0 AND held >= 0 AND sold + held <= capacity))`);
    await q.query(
      'CREATE UNIQUE INDEX ticket_tiers_event_name ON ticket_tiers (event_id, lower(name))',
    );

    await q.query(`CREATE TABLE holds (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      tier_id uuid NOT NULL REFERENCES ticket_tiers (id),
      event_id uuid NOT NULL,
      user_id uuid NOT NULL,
      quantity integer NOT NULL CHECK (quantity > 0),
      status text NOT NULL DEFAULT 'ACTIVE' CHECK (status IN ('ACTIVE', 'CHECKED_OUT', 'EXPIRED', 'RELEASED')),
      expires_at timestamptz NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now())`);
    // The sweeper's queue, and the per-fan limit's count.
    await q.query(`CREATE INDEX holds_expiry ON holds (expires_at) WHERE status = 'ACTIVE'`);
    await q.query(
      `CREATE INDEX holds_fan_event ON holds (user_id, event_id) WHERE status = 'ACTIVE'`,
    );
    await q.query(`CREATE INDEX holds_event ON holds (event_id) WHERE status = 'ACTIVE'`);

    await q.query(`CREATE TABLE orders (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      user_id uuid NOT NULL,
      event_id uuid NOT NULL,
      tier_id uuid NOT NULL REFERENCES ticket_tiers (id),
      hold_id uuid UNIQUE REFERENCES holds (id),
      quantity integer NOT NULL CHECK (quantity > 0),
      total_cents integer NOT NULL CHECK (total_cents >= 0),
      status text NOT NULL DEFAULT 'CONFIRMED' CHECK (status IN ('CONFIRMED', 'CANCELLED')),
      idempotency_key text NOT NULL,
      request_fingerprint text NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now(),
      cancelled_at timestamptz,
      CONSTRAINT orders_idempotency UNIQUE (user_id, idempotency_key))`);
    await q.query('CREATE INDEX orders_user ON orders (user_id, created_at DESC)');
    await q.query(`CREATE INDEX orders_event ON orders (event_id) WHERE status = 'CONFIRMED'`);

    await q.query(`CREATE TABLE tickets (
      id uuid PRIMARY KEY,
      order_id uuid NOT NULL REFERENCES orders (id),
      tier_id uuid NOT NULL REFERENCES ticket_tiers (id),
      event_id uuid NOT NULL,
      owner_id uuid NOT NULL,
      code text NOT NULL UNIQUE,
      status text NOT NULL DEFAULT 'VALID' CHECK (status IN ('VALID', 'USED', 'CANCELLED')),
      used_at timestamptz,
      created_at timestamptz NOT NULL DEFAULT now())`);
    await q.query('CREATE INDEX tickets_order ON tickets (order_id)');
    await q.query('CREATE INDEX tickets_owner ON tickets (owner_id, created_at DESC)');
    await q.query('CREATE INDEX tickets_owner_event ON tickets (owner_id, event_id)');
    await q.query(`CREATE INDEX tickets_event ON tickets (event_id) WHERE status = 'VALID'`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE tickets');
    await q.query('DROP TABLE orders');
    await q.query('DROP TABLE holds');
    await q.query('DROP TABLE ticket_tiers');
    await q.query('DROP TABLE event_states');
  }
}
