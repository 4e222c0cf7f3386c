import { Column, Entity, PrimaryColumn } from 'typeorm';

export type TicketStatus = 'VALID' | 'USED' | 'CANCELLED';

@Entity({ name: 'tickets' })
export class Ticket {
  /** Chosen before the insert: the signed code covers it. */
  @PrimaryColumn({ type: 'uuid' })
  id: string;

  @Column({ name: 'order_id', type: 'uuid' })
  orderId: string;

  @Column({ name: 'tier_id', type: 'uuid' })
  tierId: string;

  @Column({ name: 'event_id', type: 'uuid' })
  eventId: string;

  @Column({ name: 'owner_id', type: 'uuid' })
  ownerId: string;

  @Column({ type: 'text' })
  code: string;

  @Column({ type: 'text' })
  status: TicketStatus;

  @Column({ name: 'used_at', type: 'timestamptz', nullable: true })
  usedAt: Date | null;

  @Column({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;
}
