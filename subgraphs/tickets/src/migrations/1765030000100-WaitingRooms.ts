import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Waiting rooms and their queue tickets (see waiting-room.ts). Everything a room knows lives
 * here, not in a process: any instance can admit, and a restart loses or reorders nobody.
 */
export class WaitingRooms1765030000100 implements MigrationInterface {
  name = 'WaitingRooms1765030000100';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE waiting_rooms (
      event_id uuid PRIMARY KEY,
      organizer_id uuid NOT NULL,
      enabled boolean NOT NULL,
      opens_at timestamptz,
      -- Set once, when the early joiners were given their random places: later joiners queue behind.
      shuffled_at timestamptz,
      -- The next place for a late joiner (after the shuffle), and the last place admitted.
      next_place integer NOT NULL DEFAULT 1,
      admitted_through integer NOT NULL DEFAULT 0,
      -- Set while every tier is sold out: its waiting tickets are CLOSED until places come back.
      sold_out_at timestamptz,
      updated_at timestamptz NOT NULL DEFAULT now()
    )`);
    await q.query(`CREATE TABLE queue_tickets (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      event_id uuid NOT NULL REFERENCES waiting_rooms (event_id),
      user_id uuid NOT NULL,
      joined_at timestamptz NOT NULL DEFAULT clock_timestamp(),
      -- The place in the queue, from 1: null until the sale starts (then random for early joiners).
      place integer,
      status text NOT NULL DEFAULT 'WAITING'
        CHECK (status IN ('WAITING', 'ADMITTED', 'EXPIRED', 'CLOSED')),
      admitted_at timestamptz,
      admitted_until timestamptz,
      -- When the admitted fan bought (purchase or checkout): their turn is used, the next fan's starts.
      done_at timestamptz,
      CONSTRAINT queue_tickets_place UNIQUE (event_id, place)
    )`);
    // One ticket per account per event: a second join finds the first.
    await q.query('CREATE UNIQUE INDEX queue_tickets_holder ON queue_tickets (event_id, user_id)');
    await q.query(
      `CREATE INDEX queue_tickets_waiting ON queue_tickets (event_id, place) WHERE status = 'WAITING'`,
    );
    await q.query(
      `CREATE INDEX queue_tickets_admitted ON queue_tickets (event_id, admitted_until) WHERE status = 'ADMITTED'`,
    );
    await q.query('CREATE INDEX queue_tickets_user ON queue_tickets (user_id, joined_at)');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE queue_tickets');
    await q.query('DROP TABLE waiting_rooms');
  }
}
