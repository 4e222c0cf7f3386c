/** Small formatting helpers shared by the Markdown sections of bench/RESULTS.md. */
import type { Target } from './report';

export const fmt = (n: number | undefined | null, digits = 1) =>
  n === undefined || n === null || !Number.isFinite(n) ? '–' : n.toFixed(digits);

export const verdict = (t: Target) =>
  t.met === null ? 'not measurable' : t.met ? '**met**' : '**not met**';

/** A cell's own pipes (as in "|ρ| < 0.05") would otherwise end the cell early. */
const cell = (text: string) => text.replace(/\|/g, '\\|');

export const table = (header: string[], rows: string[][]) =>
  [
    `| ${header.map(cell).join(' | ')} |`,
    `| ${header.map((_, i) => (i === 0 ? '---' : '---:')).join(' | ')} |`,
    ...rows.map((r) => `| ${r.map(cell).join(' | ')} |`),
  ].join('\n');

export const outcomes = (o: Record<string, number>) =>
  Object.entries(o)
    .sort((a, b) => b[1] - a[1])
    .map(([k, v]) => `${k} ${v}`)
    .join(', ');
