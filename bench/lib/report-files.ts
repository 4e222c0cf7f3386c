/** Writes a run's outputs: bench/results/<date>.json and .svg, and bench/RESULTS.md. */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { judge, type BenchResults } from './report';
import { renderMarkdown } from './report-markdown';
import { renderSvg } from './report-svg';
import { writeFormatted } from './write-formatted';

export async function writeReport(
  root: string,
  complete: Omit<BenchResults, 'targets'>,
  startedAt: Date,
): Promise<BenchResults> {
  const report: BenchResults = { ...complete, targets: judge(complete) };
  const date = startedAt.toISOString().slice(0, 10);
  const resultsDir = join(root, 'bench', 'results');
  mkdirSync(resultsDir, { recursive: true });
  await writeFormatted(join(resultsDir, `${date}.json`), JSON.stringify(report, null, 2));
  writeFileSync(join(resultsDir, `${date}.svg`), renderSvg(report));
  const findingsFile = join(root, 'bench', 'FINDINGS.md');
  const findings = existsSync(findingsFile) ? readFileSync(findingsFile, 'utf8') : '';
  await writeFormatted(
    join(root, 'bench', 'RESULTS.md'),
    renderMarkdown(report, `${date}.svg`, findings),
  );
  return report;
}
