import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';
import type { EventStatus } from '@ko/platform';

@Entity({ name: 'events' })
export class Event {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ type: 'text' })
  title: string;

  @Column({ type: 'text' })
  description: string;

  @Column({ type: 'text' })
  category: string;

  @Column({ type: 'text' })
  venue: string;

  @Column({ type: 'text' })
  city: string;

  @Column({ name: 'starts_at', type: 'timestamptz' })
  startsAt: Date;

  /** The venue's IANA time zone: the event happens in it, and every surface shows its times in it. */
  @Column({ name: 'time_zone', type: 'text', default: 'UTC' })
  timeZone: string;

  /** ISO 4217: every price of the event is in it (fixed once a ticket can be sold). */
  @Column({ type: 'text', default: 'EUR' })
  currency: string;

  /** The venue's street address, for a map link. */
  @Column({ type: 'text', nullable: true })
  address: string | null;

  /** The cover image's content hash (event_images), when the organizer gave one. */
  @Column({ name: 'image_hash', type: 'text', nullable: true })
  imageHash: string | null;

  @Column({ type: 'text', default: 'DRAFT' })
  status: EventStatus;

  @Column({ name: 'organizer_id', type: 'uuid' })
  organizerId: string;

  @Column({ name: 'created_at', type: 'timestamptz', default: () => 'now()' })
  createdAt: Date;

  @Column({ name: 'updated_at', type: 'timestamptz', default: () => 'now()' })
  updatedAt: Date;
}
