import { useEffect, useState } from 'react';
import { formatDateTime } from '../lib/format';

/** "3 d 4 h", "2 h 5 min", "4:09": how long until `at`, coarse when far. */
export function untilLabel(ms: number): string {
  const s = Math.max(0, Math.ceil(ms / 1000));
  const d = Math.floor(s / 86_400);
  const h = Math.floor((s % 86_400) / 3_600);
  const m = Math.floor((s % 3_600) / 60);
  if (d > 0) return `${d} d ${h} h`;
  if (h > 0) return `${h} h ${m} min`;
  return `${m}:${String(s % 60).padStart(2, '0')}`;
}

/**
 * Counts down to the next tier's sale opening (the page opens the sale when eventUpdated says so
 * at that moment: see inWindow on the event page). Nothing once every tier is on sale.
 */
export function SaleCountdown({ startsAt }: { startsAt: readonly (string | null | undefined)[] }) {
  const [now, setNow] = useState(() => Date.now());
  const next = Math.min(
    ...startsAt.map((s) => (s ? new Date(s).getTime() : NaN)).filter((t) => t > now),
  );
  useEffect(() => {
    if (!Number.isFinite(next)) return;
    const timer = setInterval(() => setNow(Date.now()), 1_000);
    return () => clearInterval(timer);
  }, [next]);
  if (!Number.isFinite(next)) return null;
  return (
    <p className="sale-countdown" role="timer" aria-live="off" data-testid="sale-countdown">
      Tickets go on sale {formatDateTime(new Date(next).toISOString())}: in{' '}
      <strong>{untilLabel(next - now)}</strong>
    </p>
  );
}
