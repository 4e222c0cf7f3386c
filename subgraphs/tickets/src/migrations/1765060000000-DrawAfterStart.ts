import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Joins dated by when the fan asked (joined_at, the router's receipt) and by when they came in
 * (recorded_at): the draw waits while joins asked before the sale's start still come in (held in
 * the router in an on-sale's busiest seconds; see QueueAdmitter). One that comes after the draw
 * anyway is drawn in then (see WaitingRoom.join): a random one of the drawn places, shared with
 * the fan already there, so places are no longer unique; a shared place goes to whoever asked
 * first. `drawn` counts the places the draw dealt.
 */
export class DrawAfterStart1765060000000 implements MigrationInterface {
  name = 'DrawAfterStart1765060000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE waiting_rooms ADD COLUMN drawn integer NOT NULL DEFAULT 0');
    // Rooms drawn before this column: every place up to the next was dealt by the draw or after it.
    await q.query('UPDATE waiting_rooms SET drawn = next_place - 1 WHERE shuffled_at IS NOT NULL');
    await q.query(
      'ALTER TABLE queue_tickets ADD COLUMN recorded_at timestamptz NOT NULL DEFAULT clock_timestamp()',
    );
    await q.query('UPDATE queue_tickets SET recorded_at = joined_at');
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
    await q.query('ALTER TABLE queue_tickets DROP COLUMN recorded_at');
    await q.query('ALTER TABLE waiting_rooms DROP COLUMN drawn');
  }
}
