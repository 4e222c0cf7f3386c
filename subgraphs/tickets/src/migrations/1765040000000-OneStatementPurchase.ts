import type { MigrationInterface, QueryRunner } from 'typeorm';
import { IN_SALE_WINDOW } from '../sale-window';

/**
 * The one-step purchase as one server-side function (`tickets_purchase`, called by
 * OrderBook.purchase), and the rules it shares with the other selling paths as functions of
 * their own, so each rule is written once: the buyer's attempt counter, the waiting room's gate,
 * what a fan already has of an event, and an admission being used.
 */
export class OneStatementPurchase1765040000000 implements MigrationInterface {
  name = 'OneStatementPurchase1765040000000';

  async up(q: QueryRunner): Promise<void> {
    // rate-limiter-flexible's PostgreSQL upsert (same rows, same arithmetic, epoch milliseconds
    // of the caller's clock): one point more in the key's window, or a new window.
    await q.query(`CREATE FUNCTION tickets_take_attempt(p_key text, p_points integer, p_window_ms bigint, p_now_ms bigint)
      RETURNS TABLE (points integer, expire bigint) LANGUAGE sql AS $$
        INSERT INTO purchase_limits AS l (key, points, expire) VALUES (p_key, p_points, p_now_ms + p_window_ms)
        ON CONFLICT (key) DO UPDATE SET
          points = CASE WHEN l.expire <= p_now_ms THEN p_points ELSE l.points + p_points END,
          expire = CASE WHEN l.expire <= p_now_ms THEN p_now_ms + p_window_ms ELSE l.expire END
        RETURNING l.points, l.expire
      $$`);
    // The waiting room's gate for one fan: no row when the event has no room.
    await q.query(`CREATE FUNCTION tickets_admission(p_event uuid, p_fan uuid)
      RETURNS TABLE (enabled boolean, ticket_id uuid, status text, admitted boolean) LANGUAGE sql STABLE AS $$
        SELECT r.enabled, qt.id, qt.status,
               coalesce(qt.status = 'ADMITTED' AND qt.admitted_until > statement_timestamp(), false)
        FROM waiting_rooms r LEFT JOIN queue_tickets qt ON qt.event_id = r.event_id AND qt.user_id = p_fan
        WHERE r.event_id = p_event
      $$`);
    await q.query(`CREATE FUNCTION tickets_admission_used(p_event uuid, p_fan uuid)
      RETURNS void LANGUAGE sql AS $$
        UPDATE queue_tickets SET done_at = now()
        WHERE event_id = p_event AND user_id = p_fan AND status = 'ADMITTED' AND done_at IS NULL
      $$`);
    // What a fan has of an event (tickets, and places in live holds) and holds across events.
    await q.query(`CREATE FUNCTION tickets_fan_taken(p_fan uuid, p_event uuid)
      RETURNS TABLE (taken integer, held integer) LANGUAGE sql STABLE AS $$
        WITH live AS (
          SELECT event_id, quantity FROM holds
          WHERE user_id = p_fan AND status = 'ACTIVE' AND expires_at > statement_timestamp())
        SELECT (SELECT count(*) FROM tickets WHERE owner_id = p_fan AND event_id = p_event AND status <> 'CANCELLED')::int
             + (SELECT coalesce(sum(quantity), 0) FROM live WHERE event_id = p_event)::int,
               (SELECT coalesce(sum(quantity), 0) FROM live)::int
      $$`);
    await q.query(PURCHASE_FUNCTION);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP FUNCTION tickets_purchase');
    await q.query('DROP FUNCTION tickets_fan_taken');
    await q.query('DROP FUNCTION tickets_admission_used');
    await q.query('DROP FUNCTION tickets_admission');
    await q.query('DROP FUNCTION tickets_take_attempt');
  }
}

/**
 * A whole one-step purchase in one call (one round trip, committed with it). It checks in
 * BoxOffice.purchase's order and answers the first refusal as `{ outcome, ... }`, or sells:
 *
 * - Locks: the fan's advisory lock first (as every sale, see FanLimits: duplicates of one
 *   request serialize on it and the later ones find the order), the tier's row lock last. That
 *   lock, for which every buyer of the tier queues, is taken by the conditional UPDATE after the
 *   order and its tickets are written, and held only for the two outbox rows and the commit,
 *   all inside the server: no client round trip while it is held.
 * - The UPDATE decides (enough places, not cancelled, in the sale window) whatever was read a
 *   moment before. When it matches no row, the block's writes are undone (its exception) and the
 *   refusal says why; the attempt counted before the block stays counted, as a refused sale's.
 * - Reads before the writes (idempotency, tier, event state, gate, limit) see the latest
 *   commits: READ COMMITTED takes a new snapshot for each statement of a VOLATILE function.
 * `p_facts` carries both facts' envelopes as the caller built them (OrderBook); the fields only
 * the sale knows are added here.
 */
const PURCHASE_FUNCTION = `CREATE FUNCTION tickets_purchase(
    p_fan uuid, p_key text, p_fingerprint text, p_tier uuid, p_quantity integer,
    p_state_checked boolean, p_event_limit integer,
    p_attempt_key text, p_attempts integer, p_window_ms bigint, p_now_ms bigint,
    p_order uuid, p_ticket_ids uuid[], p_codes text[], p_facts jsonb)
  RETURNS jsonb LANGUAGE plpgsql AS $$
DECLARE
  v_order orders%ROWTYPE;
  v_tier ticket_tiers%ROWTYPE;
  v_changed ticket_tiers%ROWTYPE;
  v_status text;
  v_attempt record;
  v_gate record;
  v_taken integer;
  v_at text := to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"');
  v_sold jsonb := p_facts -> 'sold';
  v_placed jsonb := p_facts -> 'placed';
BEGIN
  PERFORM pg_advisory_xact_lock(hashtext('tickets.fan'), hashtext(p_fan::text));
  SELECT * INTO v_order FROM orders WHERE user_id = p_fan AND idempotency_key = p_key;
  IF FOUND THEN RETURN jsonb_build_object('outcome', 'replay', 'order', to_jsonb(v_order)); END IF;
  SELECT * INTO v_tier FROM ticket_tiers WHERE id = p_tier;
  IF NOT FOUND THEN RETURN jsonb_build_object('outcome', 'noTier'); END IF;
  IF v_tier.event_cancelled THEN RETURN jsonb_build_object('outcome', 'cancelled'); END IF;
  IF NOT p_state_checked THEN
    SELECT status INTO v_status FROM event_states WHERE event_id = v_tier.event_id;
    IF v_status IS DISTINCT FROM 'ON_SALE' THEN
      RETURN jsonb_build_object('outcome', 'eventState', 'status', v_status);
    END IF;
  END IF;
  SELECT * INTO v_attempt FROM tickets_take_attempt(p_attempt_key, 1, p_window_ms, p_now_ms);
  IF v_attempt.points > p_attempts THEN
    RETURN jsonb_build_object('outcome', 'rateLimited', 'expire', v_attempt.expire);
  END IF;
  IF v_tier.capacity - v_tier.sold - v_tier.held < p_quantity THEN
    RETURN jsonb_build_object('outcome', 'soldOut', 'name', v_tier.name,
      'available', v_tier.capacity - v_tier.sold - v_tier.held);
  END IF;
  SELECT * INTO v_gate FROM tickets_admission(v_tier.event_id, p_fan);
  IF FOUND AND v_gate.enabled AND NOT v_gate.admitted THEN
    RETURN jsonb_build_object('outcome', 'queueRequired', 'eventId', v_tier.event_id,
      'ticketId', v_gate.ticket_id, 'status', v_gate.status);
  END IF;
  SELECT taken INTO v_taken FROM tickets_fan_taken(p_fan, v_tier.event_id);
  IF v_taken + p_quantity > p_event_limit THEN
    RETURN jsonb_build_object('outcome', 'limit', 'taken', v_taken);
  END IF;
  BEGIN
    INSERT INTO orders (id, user_id, event_id, tier_id, quantity, total_cents, idempotency_key, request_fingerprint)
    VALUES (p_order, p_fan, v_tier.event_id, v_tier.id, p_quantity, v_tier.price_cents::bigint * p_quantity, p_key, p_fingerprint)
    RETURNING * INTO v_order;
    INSERT INTO tickets (id, order_id, tier_id, event_id, owner_id, code)
    SELECT t.id, p_order, v_tier.id, v_tier.event_id, p_fan, t.code FROM unnest(p_ticket_ids, p_codes) AS t(id, code);
    UPDATE ticket_tiers SET sold = sold + p_quantity
    WHERE id = p_tier AND NOT event_cancelled AND capacity - sold - held >= p_quantity
      AND ${IN_SALE_WINDOW}
    RETURNING * INTO v_changed;
    IF NOT FOUND THEN RAISE EXCEPTION 'refused' USING ERRCODE = 'KO409'; END IF;
    INSERT INTO outbox (id, topic, message_key, envelope)
    VALUES ((v_sold ->> 'id')::uuid, p_facts ->> 'soldTopic', p_facts ->> 'soldKey',
      v_sold || jsonb_build_object('data', (v_sold -> 'data') || jsonb_build_object(
        'tierName', v_changed.name, 'soldAt', v_at, 'sold', v_changed.sold,
        'available', v_changed.capacity - v_changed.sold - v_changed.held, 'capacity', v_changed.capacity)));
    INSERT INTO outbox (id, topic, message_key, envelope)
    VALUES ((v_placed ->> 'id')::uuid, p_facts ->> 'placedTopic', p_facts ->> 'placedKey',
      v_placed || jsonb_build_object('data', (v_placed -> 'data') || jsonb_build_object(
        'tierName', v_changed.name, 'totalCents', v_order.total_cents, 'placedAt', v_at)));
    PERFORM tickets_admission_used(v_tier.event_id, p_fan);
  EXCEPTION WHEN SQLSTATE 'KO409' THEN
    SELECT * INTO v_changed FROM ticket_tiers WHERE id = p_tier;
    RETURN jsonb_build_object('outcome', 'refused', 'name', v_changed.name,
      'available', v_changed.capacity - v_changed.sold - v_changed.held,
      'eventCancelled', v_changed.event_cancelled,
      'inWindow', (SELECT ${IN_SALE_WINDOW} FROM ticket_tiers WHERE id = p_tier),
      'salesStartAt', v_changed.sales_start_at, 'salesEndAt', v_changed.sales_end_at,
      'at', statement_timestamp());
  END;
  RETURN jsonb_build_object('outcome', 'sold', 'order', to_jsonb(v_order),
    'tickets', (SELECT jsonb_agg(to_jsonb(t) ORDER BY t.id) FROM tickets t WHERE t.order_id = p_order));
END
$$`;
