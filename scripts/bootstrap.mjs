// Entry point of `npm start`, `npm test` and `npm run bench` on a fresh clone: plain Node,
// no dependencies, so it can install them first. Then it builds and hands over to scripts/<command>.ts.
import { spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const [command, ...args] = process.argv.slice(2);
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';

const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 20 || (major === 20 && minor < 19)) {
  console.error(
    `KO Ticket Master needs Node.js 20.19 or newer (this is ${process.versions.node}): install a current Node.js LTS.`,
  );
  process.exit(1);
}

function run(cmd, cmdArgs, what) {
  const result = spawnSync(cmd, cmdArgs, { cwd: root, stdio: 'inherit', env: process.env });
  if (result.status !== 0) {
    console.error(`${what} failed (exit ${result.status ?? result.signal}).`);
    process.exit(result.status ?? 1);
  }
}

// Install when node_modules is missing or older than the lock file.
const installed = join(root, 'node_modules', '.package-lock.json');
const lock = join(root, 'package-lock.json');
if (
  !existsSync(installed) ||
  (existsSync(lock) && statSync(lock).mtimeMs > statSync(installed).mtimeMs)
) {
  console.log('Installing dependencies (npm ci)…');
  run(npm, ['ci', '--no-audit', '--no-fund'], 'Installing dependencies');
}

console.log('Building (tsc -b)…');
run(join(root, 'node_modules', '.bin', 'tsc'), ['-b'], 'The TypeScript build');

const script = join(root, 'scripts', `${command}.ts`);
if (!existsSync(script)) {
  console.error(`Unknown command "${command}": use start, test or bench.`);
  process.exit(2);
}
const result = spawnSync(process.execPath, ['--import', 'tsx', script, ...args], {
  cwd: root,
  stdio: 'inherit',
  env: process.env,
});
process.exit(result.status ?? 1);
