/** The SVG beside bench/RESULTS.md: latency distributions and peak memory, drawn by hand. */
import { isMeasured, MEMORY_TARGETS_MB, type BenchResults } from './report';
import { CHART_PERCENTILES } from './stats';

interface Series {
  label: string;
  color: string;
  curve: Array<[number, number]>;
  dashed?: boolean;
}

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
/** HDR-style x axis: distance in "nines" (0 at p0, 1 at p90, 2 at p99, 3 at p99.9). */
const nines = (p: number) => Math.log10(100 / (100 - Math.min(p, 99.9)));

function latencyPanel(
  x0: number,
  y0: number,
  w: number,
  h: number,
  title: string,
  series: Series[],
): string {
  const parts: string[] = [];
  const pad = { left: 56, right: 12, top: 28, bottom: 34 };
  const pw = w - pad.left - pad.right;
  const ph = h - pad.top - pad.bottom;
  const values = series
    .flatMap((s) => s.curve.map(([, v]) => v))
    .filter((v) => v > 0 && Number.isFinite(v));
  const lo = Math.floor(Math.log10(Math.max(0.01, Math.min(...values, 1))));
  const hi = Math.ceil(Math.log10(Math.max(...values, 1) * 1.05));
  const maxX = nines(99.9);
  const sx = (p: number) => x0 + pad.left + (nines(p) / maxX) * pw;
  const sy = (v: number) =>
    y0 + pad.top + ph - ((Math.log10(Math.max(v, 10 ** lo)) - lo) / (hi - lo || 1)) * ph;
  parts.push(
    `<text x="${x0 + pad.left}" y="${y0 + 18}" font-size="13" font-weight="bold">${esc(title)}</text>`,
  );
  parts.push(
    `<rect x="${x0 + pad.left}" y="${y0 + pad.top}" width="${pw}" height="${ph}" fill="#fafafa" stroke="#ccc"/>`,
  );
  for (let d = lo; d <= hi; d++) {
    const y = sy(10 ** d);
    parts.push(
      `<line x1="${x0 + pad.left}" x2="${x0 + pad.left + pw}" y1="${y}" y2="${y}" stroke="#ddd"/>`,
    );
    parts.push(
      `<text x="${x0 + pad.left - 6}" y="${y + 4}" font-size="10" text-anchor="end">${10 ** d >= 1 ? 10 ** d : (10 ** d).toFixed(-d)} ms</text>`,
    );
  }
  for (const p of [0, 50, 90, 99, 99.9]) {
    const x = sx(p);
    parts.push(
      `<line x1="${x}" x2="${x}" y1="${y0 + pad.top}" y2="${y0 + pad.top + ph}" stroke="#e4e4e4"/>`,
    );
    parts.push(
      `<text x="${x}" y="${y0 + pad.top + ph + 14}" font-size="10" text-anchor="middle">p${p}</text>`,
    );
  }
  parts.push(
    `<text x="${x0 + pad.left + pw / 2}" y="${y0 + h - 4}" font-size="10" text-anchor="middle" fill="#555">percentile (HDR scale)</text>`,
  );
  series.forEach((s, i) => {
    const points = s.curve
      .filter(([p, v]) => CHART_PERCENTILES.includes(p) && Number.isFinite(v))
      .map(([p, v]) => `${sx(p).toFixed(1)},${sy(v).toFixed(1)}`);
    parts.push(
      `<polyline fill="none" stroke="${s.color}" stroke-width="2"${s.dashed ? ' stroke-dasharray="5,3"' : ''} points="${points.join(' ')}"/>`,
    );
    const ly = y0 + pad.top + 14 + i * 14;
    parts.push(
      `<line x1="${x0 + pad.left + 8}" x2="${x0 + pad.left + 26}" y1="${ly - 4}" y2="${ly - 4}" stroke="${s.color}" stroke-width="2"${s.dashed ? ' stroke-dasharray="5,3"' : ''}/>`,
    );
    parts.push(`<text x="${x0 + pad.left + 30}" y="${ly}" font-size="10">${esc(s.label)}</text>`);
  });
  return parts.join('\n');
}

function memoryPanel(
  x0: number,
  y0: number,
  w: number,
  h: number,
  memory: BenchResults['memory'],
): string {
  const parts: string[] = [];
  const pad = { left: 56, right: 12, top: 28, bottom: 34 };
  const pw = w - pad.left - pad.right;
  const ph = h - pad.top - pad.bottom;
  const scenarios = Object.keys(memory);
  const processes = [...new Set(scenarios.flatMap((s) => Object.keys(memory[s])))];
  const colors = ['#4e79a7', '#f28e2b', '#59a14f', '#b07aa1'];
  const max = Math.max(
    300,
    ...scenarios.flatMap((s) => Object.values(memory[s]).map((m) => m.peakMb)),
  );
  const sy = (v: number) => y0 + pad.top + ph - (v / max) * ph;
  parts.push(
    `<text x="${x0 + pad.left}" y="${y0 + 18}" font-size="13" font-weight="bold">Peak RSS per process (MB), dashed: target</text>`,
  );
  parts.push(
    `<rect x="${x0 + pad.left}" y="${y0 + pad.top}" width="${pw}" height="${ph}" fill="#fafafa" stroke="#ccc"/>`,
  );
  for (let v = 0; v <= max; v += 100) {
    parts.push(
      `<line x1="${x0 + pad.left}" x2="${x0 + pad.left + pw}" y1="${sy(v)}" y2="${sy(v)}" stroke="#ddd"/>`,
    );
    parts.push(
      `<text x="${x0 + pad.left - 6}" y="${sy(v) + 4}" font-size="10" text-anchor="end">${v}</text>`,
    );
  }
  const group = pw / Math.max(1, processes.length);
  const bar = (group * 0.8) / Math.max(1, scenarios.length);
  processes.forEach((name, i) => {
    const gx = x0 + pad.left + i * group + group * 0.1;
    scenarios.forEach((s, j) => {
      const v = memory[s][name]?.peakMb ?? 0;
      parts.push(
        `<rect x="${(gx + j * bar).toFixed(1)}" y="${sy(v).toFixed(1)}" width="${(bar - 1).toFixed(1)}" height="${(y0 + pad.top + ph - sy(v)).toFixed(1)}" fill="${colors[j % colors.length]}"><title>${esc(`${name} during ${s}: ${v} MB`)}</title></rect>`,
      );
    });
    const limit = MEMORY_TARGETS_MB[name];
    if (limit)
      parts.push(
        `<line x1="${gx - 2}" x2="${gx + group * 0.8 + 2}" y1="${sy(limit)}" y2="${sy(limit)}" stroke="#c00" stroke-dasharray="4,2"/>`,
      );
    parts.push(
      `<text x="${gx + group * 0.4}" y="${y0 + pad.top + ph + 14}" font-size="10" text-anchor="middle">${esc(name)}</text>`,
    );
  });
  scenarios.forEach((s, j) => {
    parts.push(
      `<rect x="${x0 + pad.left + 8 + j * 90}" y="${y0 + pad.top + 6}" width="10" height="10" fill="${colors[j % colors.length]}"/>`,
    );
    parts.push(
      `<text x="${x0 + pad.left + 22 + j * 90}" y="${y0 + pad.top + 15}" font-size="10">${esc(s)}</text>`,
    );
  });
  return parts.join('\n');
}

export function renderSvg(results: BenchResults): string {
  const w = 560;
  const h = 300;
  const panels: string[] = [];
  const browse = results.browse;
  if (isMeasured(browse)) {
    const series: Series[] = [
      {
        label: `our router (${browse.router.throughput}/s)`,
        color: '#d62728',
        curve: browse.router.curve,
      },
    ];
    if (isMeasured(browse.hive))
      series.push({
        label: `Hive Gateway (${browse.hive.throughput}/s)`,
        color: '#1f77b4',
        curve: browse.hive.curve,
      });
    if (isMeasured(browse.hiveRouterRuntime))
      series.push({
        label: `Hive Gateway, Rust planner (${browse.hiveRouterRuntime.throughput}/s)`,
        color: '#2ca02c',
        curve: browse.hiveRouterRuntime.curve,
      });
    series.push({
      label: `events subgraph alone (${browse.eventsDirect.throughput}/s)`,
      color: '#7f7f7f',
      curve: browse.eventsDirect.curve,
      dashed: true,
    });
    panels.push(
      latencyPanel(
        0,
        0,
        w,
        h,
        `1. Browse: page query latency, ${String(results.settings.browseConcurrency)} in flight`,
        series,
      ),
    );
  }
  const rush = results.rush;
  if (isMeasured(rush)) {
    const series: Series[] = [
      {
        label: `purchases through the stack (${rush.stack.salesPerSecond} sales/s)`,
        color: '#d62728',
        curve: rush.stack.curve,
      },
    ];
    if (rush.pgbench.available && rush.pgbench.curve)
      series.push({
        label: `pgbench, the UPDATE alone (${rush.pgbench.tps}/s)`,
        color: '#7f7f7f',
        curve: rush.pgbench.curve,
        dashed: true,
      });
    panels.push(
      latencyPanel(
        w,
        0,
        w,
        h,
        `2. Rush: purchase latency, ${rush.stack.concurrency} in flight`,
        series,
      ),
    );
  }
  const chat = results.chat;
  if (isMeasured(chat)) {
    // Each at its highest sustained step (else its first step).
    const shown = (steps: typeof chat.stack.steps) =>
      [...steps].reverse().find((step) => step.sustained) ?? steps[0];
    const series: Series[] = [];
    const stackStep = shown(chat.stack.steps);
    if (stackStep)
      series.push({
        label: `stack, ${stackStep.ratePerSecond} msg/s`,
        color: '#d62728',
        curve: stackStep.curve,
      });
    const floorStep = isMeasured(chat.floor) ? shown(chat.floor.steps) : undefined;
    if (floorStep)
      series.push({
        label: `floor (ws alone), ${floorStep.ratePerSecond} msg/s`,
        color: '#7f7f7f',
        curve: floorStep.curve,
        dashed: true,
      });
    panels.push(
      latencyPanel(
        0,
        h,
        w,
        h,
        `3. Chat: post → subscriber, ${chat.stack.subscribers} subscribers`,
        series,
      ),
    );
  }
  panels.push(memoryPanel(w, h, w, h, results.memory));
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${2 * w}" height="${2 * h}" viewBox="0 0 ${2 * w} ${2 * h}" font-family="Helvetica, Arial, sans-serif">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    ...panels,
    '</svg>',
    '',
  ].join('\n');
}
