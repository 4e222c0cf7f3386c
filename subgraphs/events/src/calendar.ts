import { TZDate } from '@date-fns/tz';
import { getVtimezoneComponent } from '@touch4it/ical-timezones';
import ical from 'ical-generator';
import type { Event } from './entities/event';

/**
 * The event as an RFC 5545 calendar: one VEVENT whose DTSTART is wall-clock time in the
 * venue's zone (TZID), with that zone's VTIMEZONE definition, so a calendar in any zone puts
 * it at the right instant and shows where it happens. No DTEND: the end is not known, and
 * RFC 5545 reads a DTSTART alone as an event at that moment.
 */
export function eventCalendar(event: Event): string {
  const calendar = ical({ prodId: { company: 'KO Ticket Master', product: 'Events' } });
  // A zone the VTIMEZONE library lacks falls back to a UTC start (still the right instant).
  const zoned = event.timeZone !== 'UTC' && getVtimezoneComponent(event.timeZone) !== null;
  if (zoned) calendar.timezone({ name: event.timeZone, generator: getVtimezoneComponent });
  const location = [event.venue, event.address, event.city].filter(Boolean).join(', ');
  calendar.createEvent({
    id: `${event.id}@ko-ticket-master`,
    start: zoned ? new TZDate(event.startsAt, event.timeZone) : event.startsAt,
    timezone: zoned ? event.timeZone : null,
    summary: event.title,
    description: event.description,
    location,
    stamp: event.updatedAt,
  });
  return calendar.toString();
}
