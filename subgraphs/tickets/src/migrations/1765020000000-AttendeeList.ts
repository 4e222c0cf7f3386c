import type { MigrationInterface, QueryRunner } from 'typeorm';

/** An event's attendee list is read a page at a time, in the order its tickets were bought. */
export class AttendeeList1765020000000 implements MigrationInterface {
  name = 'AttendeeList1765020000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query('CREATE INDEX tickets_event_list ON tickets (event_id, created_at, id)');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP INDEX tickets_event_list');
  }
}
