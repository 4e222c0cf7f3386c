import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Fans who asked to join before the sale's start but whose join is handled after the draw (held
 * in the router in the on-sale's busiest seconds) are drawn into it then (see WaitingRoom.join):
 * a random place among the drawn ones, shared with the fan already there, so places are no
 * longer unique; a shared place goes to whoever asked first. `drawn` counts the drawn places.
 */
export class DrawAfterStart1765060000000 implements MigrationInterface {
  name = 'DrawAfterStart1765060000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE waiting_rooms ADD COLUMN drawn integer NOT NULL DEFAULT 0');
    // Rooms drawn before this column: every place up to the next was dealt by the draw or after it.
    await q.query('UPDATE waiting_rooms SET drawn = next_place - 1 WHERE shuffled_at IS NOT NULL');
    await q.query('ALTER TABLE queue_tickets DROP CONSTRAINT queue_tickets_place');
    await q.query('DROP INDEX queue_tickets_waiting');
    await q.query(
      `CREATE INDEX queue_tickets_waiting ON queue_tickets (event_id, place, joined_at) WHERE status = 'WAITING'`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP INDEX queue_tickets_waiting');
    await q.query(
      `CREATE INDEX queue_tickets_waiting ON queue_tickets (event_id, place) WHERE status = 'WAITING'`,
    );
    await q.query(
      'ALTER TABLE queue_tickets ADD CONSTRAINT queue_tickets_place UNIQUE (event_id, place)',
    );
    await q.query('ALTER TABLE waiting_rooms DROP COLUMN drawn');
  }
}
