/** Writes a run's outputs: bench/results/<date>.json and .svg, and bench/RESULTS.md. */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { judge, type BenchResults } from './report';
import { renderMarkdown } from './report-markdown';
import { renderSvg } from './report-svg';

export function writeReport(
  root: string,
  complete: Omit<BenchResults, 'targets'>,
  startedAt: Date,
): BenchResults {
  const report: BenchResults = { ...complete, targets: judge(complete) };
  const date = startedAt.toISOString().slice(0, 10);
  const resultsDir = join(root, 'bench', 'results');
  mkdirSync(resultsDir, { recursive: true });
  writeFileSync(join(resultsDir, `${date}.json`), `${JSON.stringify(report, null, 2)}\n`);
  writeFileSync(join(resultsDir, `${date}.svg`), renderSvg(report));
  const findingsFile = join(root, 'bench', 'FINDINGS.md');
  const findings = existsSync(findingsFile) ? readFileSync(findingsFile, 'utf8') : '';
  writeFileSync(join(root, 'bench', 'RESULTS.md'), renderMarkdown(report, `${date}.svg`, findings));
  return report;
}
