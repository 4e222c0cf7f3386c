import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';
import { bigintColumn } from '@ko/platform';

export type OrderStatus = 'CONFIRMED' | 'CANCELLED';

@Entity({ name: 'orders' })
export class Order {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ name: 'user_id', type: 'uuid' })
  userId: string;

  @Column({ name: 'event_id', type: 'uuid' })
  eventId: string;

  @Column({ name: 'tier_id', type: 'uuid' })
  tierId: string;

  /** The hold it confirmed; null for a one-step purchase. */
  @Column({ name: 'hold_id', type: 'uuid', nullable: true })
  holdId: string | null;

  @Column({ type: 'integer' })
  quantity: number;

  /** Integer cents, exact up to 2^53 (a bigint column, read as a number). */
  @Column({ name: 'total_cents', type: 'bigint', transformer: bigintColumn })
  totalCents: number;

  @Column({ type: 'text' })
  status: OrderStatus;

  /** Unique per user: a retry with the same key finds this order instead of buying twice. */
  @Column({ name: 'idempotency_key', type: 'text' })
  idempotencyKey: string;

  /** What was asked under that key, so the same key with another request is a conflict. */
  @Column({ name: 'request_fingerprint', type: 'text' })
  requestFingerprint: string;

  @Column({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @Column({ name: 'cancelled_at', type: 'timestamptz', nullable: true })
  cancelledAt: Date | null;
}
