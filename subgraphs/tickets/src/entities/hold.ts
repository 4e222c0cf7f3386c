import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

export type HoldStatus = 'ACTIVE' | 'CHECKED_OUT' | 'EXPIRED' | 'RELEASED';

@Entity({ name: 'holds' })
export class Hold {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ name: 'tier_id', type: 'uuid' })
  tierId: string;

  @Column({ name: 'event_id', type: 'uuid' })
  eventId: string;

  @Column({ name: 'user_id', type: 'uuid' })
  userId: string;

  @Column({ type: 'integer' })
  quantity: number;

  @Column({ type: 'text' })
  status: HoldStatus;

  @Column({ name: 'expires_at', type: 'timestamptz' })
  expiresAt: Date;

  @Column({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;
}
