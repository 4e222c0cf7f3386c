import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { EventStatus } from '@ko/platform';

/** What tickets knows of an event (a projection of events.lifecycle): whether it may sell. */
@Entity({ name: 'event_states' })
export class EventState {
  @PrimaryColumn({ name: 'event_id', type: 'uuid' })
  eventId: string;

  @Column({ name: 'organizer_id', type: 'uuid' })
  organizerId: string;

  @Column({ type: 'text' })
  status: EventStatus;

  /** When the events service was in this state; older news never overwrites newer. */
  @Column({ name: 'as_of', type: 'timestamptz' })
  asOf: Date;
}
