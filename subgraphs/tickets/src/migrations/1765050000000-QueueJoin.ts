import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The waiting room's hot path at an on-sale, when thousands join in the minute before it: a join
 * in one call (`tickets_join_queue`, called by WaitingRoom.join), and the fans admitted over the
 * last minute, asked whenever a queue ticket is shown, counted from the minute's admitted rows by
 * an index instead of every ticket of the room.
 */
export class QueueJoin1765050000000 implements MigrationInterface {
  name = 'QueueJoin1765050000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(
      'CREATE INDEX queue_tickets_admitted_at ON queue_tickets (event_id, admitted_at) WHERE admitted_at IS NOT NULL',
    );
    await q.query(JOIN_FUNCTION);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP FUNCTION tickets_join_queue');
    await q.query('DROP INDEX queue_tickets_admitted_at');
  }
}

/**
 * A fan's queue ticket for an event's room, in one round trip (committed with it): the one they
 * have, unless it expired (then it goes back in line, at the back, with its id), or a new one.
 * A refusal is a row with `outcome` 'noRoom' (no room, or switched off) or 'notOpen' (with
 * `opens_at`); otherwise `outcome` is 'ticket' and the row is the ticket.
 *
 * The room's advisory lock (`p_lock`) is taken shared, as every joiner does, and held to the
 * commit; the shuffle (QueueAdmitter) takes it alone. So a fan who joins unplaced is committed
 * before the shuffle reads who is there, or sees it done (the read after the lock takes a new
 * snapshot) and takes the next place behind, ordered by the room's row lock. Two joins of one fan
 * at once: the later INSERT waits for the first and leaves its row as it is (ON CONFLICT), and
 * both answer that ticket.
 */
const JOIN_FUNCTION = `CREATE FUNCTION tickets_join_queue(p_event uuid, p_fan uuid, p_lock bigint)
  RETURNS TABLE (outcome text, opens_at timestamptz, id uuid, event_id uuid, user_id uuid,
                 status text, place integer, admitted_until timestamptz)
  LANGUAGE plpgsql AS $$
#variable_conflict use_column
DECLARE
  v_room waiting_rooms%ROWTYPE;
  v_place integer;
BEGIN
  RETURN QUERY SELECT 'ticket', NULL::timestamptz, q.id, q.event_id, q.user_id, q.status, q.place, q.admitted_until
    FROM queue_tickets q WHERE q.event_id = p_event AND q.user_id = p_fan AND q.status <> 'EXPIRED';
  IF FOUND THEN RETURN; END IF;
  SELECT * INTO v_room FROM waiting_rooms r WHERE r.event_id = p_event;
  IF NOT FOUND OR NOT v_room.enabled THEN
    RETURN QUERY SELECT 'noRoom', NULL::timestamptz, NULL::uuid, NULL::uuid, NULL::uuid, NULL::text, NULL::integer, NULL::timestamptz;
    RETURN;
  END IF;
  IF v_room.opens_at > now() THEN
    RETURN QUERY SELECT 'notOpen', v_room.opens_at, NULL::uuid, NULL::uuid, NULL::uuid, NULL::text, NULL::integer, NULL::timestamptz;
    RETURN;
  END IF;
  PERFORM pg_advisory_xact_lock_shared(p_lock);
  IF (SELECT r.shuffled_at IS NOT NULL FROM waiting_rooms r WHERE r.event_id = p_event) THEN
    UPDATE waiting_rooms r SET next_place = r.next_place + 1 WHERE r.event_id = p_event
      RETURNING r.next_place - 1 INTO v_place;
  END IF;
  INSERT INTO queue_tickets AS q (event_id, user_id, place) VALUES (p_event, p_fan, v_place)
  ON CONFLICT (event_id, user_id) DO UPDATE SET status = 'WAITING', place = EXCLUDED.place,
    joined_at = clock_timestamp(), admitted_at = NULL, admitted_until = NULL, done_at = NULL
  WHERE q.status = 'EXPIRED';
  RETURN QUERY SELECT 'ticket', NULL::timestamptz, q.id, q.event_id, q.user_id, q.status, q.place, q.admitted_until
    FROM queue_tickets q WHERE q.event_id = p_event AND q.user_id = p_fan;
END
$$`;
