import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';
import { bigintColumn } from '@ko/platform';

@Entity({ name: 'ticket_tiers' })
export class TicketTier {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ name: 'event_id', type: 'uuid' })
  eventId: string;

  /** The event's organizer as the events service confirmed it when the tier was added. */
  @Column({ name: 'organizer_id', type: 'uuid' })
  organizerId: string;

  @Column({ type: 'text' })
  name: string;

  /** Shown to fans beside the name; set with `updateTicketTier`. */
  @Column({ type: 'text', nullable: true })
  description: string | null;

  @Column({ name: 'price_cents', type: 'bigint', transformer: bigintColumn })
  priceCents: number;

  @Column({ type: 'integer' })
  capacity: number;

  @Column({ type: 'integer' })
  sold: number;

  /** Places in active holds. */
  @Column({ type: 'integer' })
  held: number;

  /** Set with the event's cancellation, in the same transaction: sales check it under the row lock. */
  @Column({ name: 'event_cancelled', type: 'boolean' })
  eventCancelled: boolean;

  /** The sale window (see sale-window.ts): null ends are open. */
  @Column({ name: 'sales_start_at', type: 'timestamptz', nullable: true })
  salesStartAt: Date | null;

  @Column({ name: 'sales_end_at', type: 'timestamptz', nullable: true })
  salesEndAt: Date | null;

  @Column({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  get available(): number {
    return this.capacity - this.sold - this.held;
  }
}
