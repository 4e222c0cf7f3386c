import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Fans admitted over the last minute, asked whenever a queue ticket is shown (a join, a new
 * follower) and at every step of the admitter: counted from the minute's admitted rows by this
 * index, instead of every ticket of the room (5,000 fans joining made each join read thousands).
 */
export class AdmissionIndex1765050000000 implements MigrationInterface {
  name = 'AdmissionIndex1765050000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(
      'CREATE INDEX queue_tickets_admitted_at ON queue_tickets (event_id, admitted_at) WHERE admitted_at IS NOT NULL',
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP INDEX queue_tickets_admitted_at');
  }
}
