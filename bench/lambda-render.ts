/**
 * Ticket PDFs: the lambda runner's worker pool vs rendering in the calling process.
 *
 *   npx tsx bench/lambda-render.ts            (BENCH_SECONDS=6 per mode, BENCH_CONCURRENCY=4)
 *
 * For each mode it renders 4-ticket orders with BENCH_CONCURRENCY calls in flight for a fixed
 * time, and meanwhile probes a trivial HTTP server living in this (the calling) process every
 * 10 ms: the probe's latency is what any other request of a service would wait while it renders.
 *
 *   idle        no rendering: the probe's baseline
 *   in-process  `handler()` called directly, as if a subgraph rendered PDFs itself
 *   runner      `InvokeCommand` to the lambda runner (its own process, piscina worker threads)
 *
 * Prints a table and writes bench/results/lambda-render-<date>.json. Bounded: about 3 × BENCH_SECONDS
 * plus start-up; every loop stops by itself.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { writeFormatted } from './lib/write-formatted';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { createLambdaInvoker } from '../packages/platform/src/lambda';
import { freePort } from '@ko/platform/deployment';
import {
  handler,
  type RenderTicketsInput,
  type RenderTicketsOutput,
} from '../lambdas/render-tickets/src/handler';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 6);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 4);
const PROBE_EVERY_MS = 10;
const root = path.resolve(__dirname, '..');

let orderSeq = 0;
function order(): RenderTicketsInput {
  const n = ++orderSeq;
  return {
    orderId: `ord_${n}`,
    tickets: Array.from({ length: 4 }, (_, i) => ({
      code: `KO1.ord_${n}.${i}.${'s'.repeat(43)}`,
      eventTitle: 'Midnight Jazz at the Lighthouse',
      venue: 'The Lighthouse',
      city: 'Hermosa Beach',
      startsAt: '2026-07-01T19:30:00Z',
      tierName: 'Floor',
      priceCents: 4250,
      holderName: `Holder ${i}`,
    })),
  };
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

async function startProbeServer() {
  const server = http.createServer((_req, res) => res.end('ok'));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const probe = () =>
    new Promise<number>((resolve, reject) => {
      const started = process.hrtime.bigint();
      http
        .get({ host: '127.0.0.1', port, path: '/', agent }, (res) => {
          res.resume();
          res.on('end', () => resolve(Number(process.hrtime.bigint() - started) / 1e6));
        })
        .on('error', reject);
    });
  return {
    probe,
    close: () => {
      agent.destroy();
      server.closeAllConnections();
      server.close();
    },
  };
}

interface ModeResult {
  mode: string;
  seconds: number;
  pdfs: number;
  pdfsPerSec: number;
  probe: { count: number; p50Ms: number; p95Ms: number; p99Ms: number; maxMs: number };
}

async function runMode(
  mode: string,
  render: (() => Promise<unknown>) | undefined,
  probe: () => Promise<number>,
): Promise<ModeResult> {
  const deadline = Date.now() + SECONDS * 1000;
  let pdfs = 0;
  const workers = render
    ? Array.from({ length: CONCURRENCY }, async () => {
        while (Date.now() < deadline) {
          await render();
          pdfs++;
        }
      })
    : [];
  const latencies: number[] = [];
  const prober = (async () => {
    while (Date.now() < deadline) {
      latencies.push(await probe());
      await new Promise((resolve) => setTimeout(resolve, PROBE_EVERY_MS));
    }
  })();
  const started = Date.now();
  await Promise.all([...workers, prober]);
  const seconds = (Date.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  const round = (n: number) => Math.round(n * 100) / 100;
  return {
    mode,
    seconds: round(seconds),
    pdfs,
    pdfsPerSec: round(pdfs / seconds),
    probe: {
      count: latencies.length,
      p50Ms: round(percentile(latencies, 50)),
      p95Ms: round(percentile(latencies, 95)),
      p99Ms: round(percentile(latencies, 99)),
      maxMs: round(latencies.at(-1) ?? NaN),
    },
  };
}

/** The runner as its own process, from source (tsx's require hook), like `npm run dev -w @ko/lambda-runner`. */
async function startRunnerProcess(): Promise<{ url: string; child: ChildProcess }> {
  const port = await freePort();
  const child = spawn(
    process.execPath,
    ['--require', require.resolve('tsx/cjs'), path.join(root, 'lambdas/runner/src/main.ts')],
    {
      cwd: root,
      env: { ...process.env, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'warn' },
      stdio: ['ignore', 'inherit', 'inherit'],
    },
  );
  const url = `http://127.0.0.1:${port}`;
  const until = Date.now() + 30_000;
  while (Date.now() < until) {
    if (child.exitCode !== null) throw new Error(`lambda runner exited with ${child.exitCode}`);
    try {
      if ((await fetch(`${url}/health`)).ok) return { url, child };
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  child.kill('SIGKILL');
  throw new Error('lambda runner did not become healthy within 30 s');
}

async function main(): Promise<void> {
  const { probe, close } = await startProbeServer();
  const { url, child } = await startRunnerProcess();
  const lambda = createLambdaInvoker({
    endpoint: url,
    functionNames: { 'render-tickets': 'render-tickets' },
  });
  const viaRunner = async () => {
    const out = await lambda.invoke<RenderTicketsInput, RenderTicketsOutput>(
      'render-tickets',
      order(),
    );
    if (out.pages !== 4) throw new Error('bad render');
  };
  const inProcess = async () => {
    const out = await handler(order());
    if (out.pages !== 4) throw new Error('bad render');
  };

  try {
    // Warm up both paths (JIT, worker threads, module loading) before measuring.
    for (let i = 0; i < 4; i++) await Promise.all([inProcess(), viaRunner(), viaRunner()]);

    const results = [
      await runMode('idle', undefined, probe),
      await runMode('in-process', inProcess, probe),
      await runMode('runner (worker pool)', viaRunner, probe),
    ];

    const header = [
      'mode',
      'PDFs/s',
      'PDFs',
      'probe p50 ms',
      'p95 ms',
      'p99 ms',
      'max ms',
      'probes',
    ];
    const rows = results.map((r) => [
      r.mode,
      r.mode === 'idle' ? '-' : r.pdfsPerSec.toFixed(1),
      String(r.pdfs),
      r.probe.p50Ms.toFixed(2),
      r.probe.p95Ms.toFixed(2),
      r.probe.p99Ms.toFixed(2),
      r.probe.maxMs.toFixed(2),
      String(r.probe.count),
    ]);
    const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
    const line = (cells: string[]) =>
      cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
    console.log(
      `\n4-ticket orders, ${CONCURRENCY} in flight, ${SECONDS} s per mode, ${os.availableParallelism()} cores\n`,
    );
    console.log(line(header));
    console.log(widths.map((w) => '-'.repeat(w)).join('  '));
    for (const row of rows) console.log(line(row));

    const date = new Date().toISOString().slice(0, 10);
    const file = path.join(root, 'bench', 'results', `lambda-render-${date}.json`);
    mkdirSync(path.dirname(file), { recursive: true });
    await writeFormatted(
      file,
      JSON.stringify(
        {
          benchmark: 'lambda-render',
          date: new Date().toISOString(),
          machine: {
            cores: os.availableParallelism(),
            cpu: os.cpus()[0]?.model,
            node: process.version,
          },
          settings: {
            secondsPerMode: SECONDS,
            concurrency: CONCURRENCY,
            ticketsPerOrder: 4,
            probeEveryMs: PROBE_EVERY_MS,
          },
          results,
        },
        null,
        2,
      ),
    );
    console.log(`\nwrote ${path.relative(root, file)}`);
  } finally {
    lambda.close();
    close();
    child.kill('SIGTERM');
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
