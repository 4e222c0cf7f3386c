const LOCALE = undefined; // the visitor's own locale

const moneyFormats = new Map<string, Intl.NumberFormat>();

/** Integer cents, as the graph sends money, to a price in the event's currency (ISO 4217). */
export function formatMoney(cents: number, currency = 'EUR'): string {
  let format = moneyFormats.get(currency);
  if (!format) {
    format = new Intl.NumberFormat(LOCALE, { style: 'currency', currency });
    moneyFormats.set(currency, format);
  }
  return format.format(cents / 100);
}

/** The visitor's own time zone, as the browser knows it. */
export const visitorTimeZone = (): string => Intl.DateTimeFormat().resolvedOptions().timeZone;

const inZone = (iso: string, timeZone: string): string =>
  new Date(iso).toLocaleString(LOCALE, {
    weekday: 'short',
    day: 'numeric',
    month: 'short',
    year: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
    timeZone,
    timeZoneName: 'short',
  });

/**
 * When an event happens: in its venue's zone, named ("Thu 9 Jan 2031, 19:30 EST
 * (America/New_York)"), and the visitor's own time as well when their clock reads otherwise.
 */
export function formatEventTime(
  iso: string,
  timeZone: string,
  visitorZone = visitorTimeZone(),
): { venue: string; visitor: string | null } {
  const venue = `${inZone(iso, timeZone)} (${timeZone.replace(/_/g, ' ')})`;
  const mine = inZone(iso, visitorZone);
  return { venue, visitor: mine === inZone(iso, timeZone) ? null : mine };
}

/** How far `timeZone`'s clock is ahead of UTC at instant `ms`, in milliseconds. */
function zoneOffset(ms: number, timeZone: string): number {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    })
      .formatToParts(new Date(ms))
      .map((p) => [p.type, Number(p.value)]),
  ) as Record<string, number>;
  const asUtc = Date.UTC(
    parts.year!,
    parts.month! - 1,
    parts.day!,
    parts.hour!,
    parts.minute!,
    parts.second!,
  );
  return asUtc - (ms - (ms % 1000));
}

/**
 * A `datetime-local` value ("2031-01-09T19:30") read as wall-clock time in `timeZone` (the
 * venue's, not the browser's), as an ISO instant.
 */
export function zonedToIso(local: string, timeZone: string): string {
  const [date, time = '00:00'] = local.split('T');
  const [y, mo, d] = date!.split('-').map(Number);
  const [h, mi] = time.split(':').map(Number);
  const wall = Date.UTC(y!, mo! - 1, d!, h!, mi!);
  // The zone's offset at the guess, then again at the answer (it differs across a DST change).
  let instant = wall - zoneOffset(wall, timeZone);
  instant = wall - zoneOffset(instant, timeZone);
  return new Date(instant).toISOString();
}

/** The inverse of zonedToIso: an instant as a `datetime-local` value on `timeZone`'s clock. */
export function isoToZonedLocal(iso: string, timeZone: string): string {
  const ms = Date.parse(iso);
  return new Date(ms + zoneOffset(ms, timeZone)).toISOString().slice(0, 16);
}

/** The event time as one line: venue time, then "your time" where it differs. */
export function formatEventTimeLine(iso: string, timeZone: string): string {
  const { venue, visitor } = formatEventTime(iso, timeZone);
  return visitor ? `${venue} · your time ${visitor}` : venue;
}

export const formatDateTime = (iso: string): string =>
  new Date(iso).toLocaleString(LOCALE, {
    weekday: 'short',
    day: 'numeric',
    month: 'short',
    year: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
  });

export const formatDate = (iso: string): string =>
  new Date(iso).toLocaleDateString(LOCALE, {
    weekday: 'short',
    day: 'numeric',
    month: 'short',
    year: 'numeric',
  });

/** A UTC calendar day (the sales report's days are UTC days), in the visitor's words. */
export const formatUtcDay = (iso: string): string =>
  new Date(iso).toLocaleDateString(LOCALE, {
    weekday: 'short',
    day: 'numeric',
    month: 'short',
    year: 'numeric',
    timeZone: 'UTC',
  });

export const formatTime = (iso: string): string =>
  new Date(iso).toLocaleTimeString(LOCALE, { hour: '2-digit', minute: '2-digit' });

/** A chat line's time: the time alone today, with its day otherwise ("Thu 3 Dec, 14:05"). */
export function formatChatTime(iso: string, now = new Date()): string {
  const at = new Date(iso);
  if (at.toDateString() === now.toDateString()) return formatTime(iso);
  return at.toLocaleString(LOCALE, {
    weekday: 'short',
    day: 'numeric',
    month: 'short',
    ...(at.getFullYear() === now.getFullYear() ? {} : { year: 'numeric' }),
    hour: '2-digit',
    minute: '2-digit',
  });
}

export function formatCountdown(ms: number): string {
  const total = Math.max(0, Math.ceil(ms / 1000));
  const minutes = Math.floor(total / 60);
  const seconds = total % 60;
  return `${minutes}:${String(seconds).padStart(2, '0')}`;
}

/**
 * `part` of `whole` as a percentage, rounded honestly: something is never 0%, not everything
 * is never 100% (2 of 450 is "0.4%", 449 of 450 "99.8%"); one decimal below 10%.
 */
export function formatShare(part: number, whole: number): string {
  if (whole <= 0 || part <= 0) return '0%';
  if (part >= whole) return '100%';
  const pct = (part / whole) * 100;
  if (pct < 0.1) return '<0.1%';
  if (pct < 10) return `${pct.toFixed(1)}%`;
  if (pct > 99.9) return '>99.9%';
  if (pct >= 99) return `${(Math.floor(pct * 10) / 10).toFixed(1)}%`;
  return `${Math.round(pct)}%`;
}

export const plural = (n: number, one: string, many = `${one}s`): string =>
  `${n} ${n === 1 ? one : many}`;

/** A v4 UUID; crypto.randomUUID exists only in secure contexts (https, localhost). */
export function newIdempotencyKey(): string {
  if (typeof crypto.randomUUID === 'function') return crypto.randomUUID();
  const b = crypto.getRandomValues(new Uint8Array(16));
  b[6] = (b[6]! & 0x0f) | 0x40;
  b[8] = (b[8]! & 0x3f) | 0x80;
  const hex = [...b].map((x) => x.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** A same-site path to return to after signing in; anything else (//evil, https:…) goes home. */
export function safeReturnPath(next: string | null | undefined): string {
  if (!next || !next.startsWith('/') || next.startsWith('//') || next.startsWith('/\\')) return '/';
  return next;
}
