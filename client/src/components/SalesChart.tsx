// The sales report's chart: tickets sold per hour or day as bars stacked by tier, and the
// cumulative sell-through as a line against the right-hand axis (0 to 100% of capacity).
import { formatShare, formatUtcDay } from '../lib/format';

export interface ChartPeriod {
  start: string;
  sold: number;
  tiers: Array<{ tierId: string; sold: number }>;
}
export interface ChartTier {
  tierId: string;
  name: string;
}

const W = 640;
const H = 240;
const PAD = { left: 40, right: 48, top: 14, bottom: 30 };
const COLOURS = ['#4338ca', '#0e9f6e', '#d97706', '#db2777', '#0891b2', '#7c3aed', '#65a30d'];
export const tierColour = (i: number) => COLOURS[i % COLOURS.length]!;

const label = (start: string, bucket: 'HOUR' | 'DAY') =>
  bucket === 'DAY' ? formatUtcDay(start) : `${formatUtcDay(start)} ${start.slice(11, 16)} UTC`;

export function SalesChart({
  periods,
  tiers,
  capacity,
  bucket,
}: {
  periods: ChartPeriod[];
  tiers: ChartTier[];
  capacity: number;
  bucket: 'HOUR' | 'DAY';
}) {
  const maxBar = Math.max(1, ...periods.map((p) => p.sold));
  const plotW = W - PAD.left - PAD.right;
  const plotH = H - PAD.top - PAD.bottom;
  const slot = plotW / periods.length;
  const barW = Math.max(1, Math.min(48, slot * 0.7));
  const yBar = (v: number) => (v / maxBar) * plotH;
  const base = H - PAD.bottom;
  const colourOf = new Map(tiers.map((t, i) => [t.tierId, tierColour(i)]));
  let cumulative = 0;
  const line = periods.map((p, i) => {
    cumulative += p.sold;
    const share = capacity > 0 ? Math.min(1, cumulative / capacity) : 0;
    return { x: PAD.left + slot * (i + 1), y: base - share * plotH, cumulative };
  });
  const path = [`M${PAD.left},${base}`, ...line.map((p) => `L${p.x.toFixed(1)},${p.y.toFixed(1)}`)];
  const last = line.at(-1);
  return (
    <figure className="report-figure">
      <svg
        className="report-chart"
        viewBox={`0 0 ${W} ${H}`}
        role="img"
        aria-label={`Tickets sold per ${bucket === 'DAY' ? 'day' : 'hour'} and by tier, with the running sell-through reaching ${formatShare(last?.cumulative ?? 0, capacity)} of ${capacity}`}
      >
        <line x1={PAD.left} y1={base} x2={W - PAD.right} y2={base} stroke="#c6cad8" />
        <line
          x1={PAD.left}
          y1={PAD.top}
          x2={W - PAD.right}
          y2={PAD.top}
          stroke="#c6cad8"
          strokeDasharray="4 4"
        />
        <text x={PAD.left - 6} y={base + 4} textAnchor="end" fontSize="11" fill="#5d6275">
          0
        </text>
        <text x={PAD.left - 6} y={PAD.top + 4} textAnchor="end" fontSize="11" fill="#5d6275">
          {maxBar}
        </text>
        <text x={W - PAD.right + 6} y={PAD.top + 4} fontSize="11" fill="#5d6275">
          100%
        </text>
        <text x={W - PAD.right + 6} y={base + 4} fontSize="11" fill="#5d6275">
          0%
        </text>
        {periods.map((p, i) => {
          let y = base;
          const x = PAD.left + slot * i + (slot - barW) / 2;
          return (
            <g key={p.start} data-testid="report-bar">
              <title>
                {label(p.start, bucket)}: {p.sold} sold
                {p.tiers.length > 1 &&
                  ` (${p.tiers.map((t) => `${tiers.find((x) => x.tierId === t.tierId)?.name ?? '?'} ${t.sold}`).join(', ')})`}
              </title>
              {p.tiers.map((t) => {
                const h = yBar(t.sold);
                y -= h;
                return (
                  <rect
                    key={t.tierId}
                    x={x}
                    y={y}
                    width={barW}
                    height={h}
                    fill={colourOf.get(t.tierId) ?? '#999'}
                  />
                );
              })}
            </g>
          );
        })}
        <path d={path.join(' ')} fill="none" stroke="#111827" strokeWidth="2" />
        {line.length <= 60 &&
          line.map((p, i) => <circle key={i} cx={p.x} cy={p.y} r="3" fill="#111827" />)}
        {periods.length > 0 && (
          <>
            <text x={PAD.left} y={H - 8} fontSize="11" fill="#5d6275">
              {label(periods[0]!.start, bucket)}
            </text>
            {periods.length > 1 && (
              <text x={W - PAD.right} y={H - 8} fontSize="11" fill="#5d6275" textAnchor="end">
                {label(periods[periods.length - 1]!.start, bucket)}
              </text>
            )}
          </>
        )}
      </svg>
      <figcaption className="report-legend">
        {tiers.map((t, i) => (
          <span key={t.tierId}>
            <span className="swatch" style={{ background: tierColour(i) }} aria-hidden="true" />
            {t.name}
          </span>
        ))}
        <span>
          <span className="swatch swatch-line" aria-hidden="true" />
          Sell-through (cumulative)
        </span>
      </figcaption>
    </figure>
  );
}
