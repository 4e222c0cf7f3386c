import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

/** Debian's Chromium: the browser the client's end-to-end tests drive (playwright-core). */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/**
 * Makes sure Chromium is installed, from Debian's packages (`apt-get install chromium`) when it
 * is missing. Needs root, as on CI; elsewhere it says what to run instead. Returns its path.
 */
export function ensureChromium(log: (message: string) => void = () => undefined): string {
  if (existsSync(CHROMIUM)) return CHROMIUM;
  if (typeof process.getuid === 'function' && process.getuid() !== 0) {
    throw new Error(
      `Chromium is missing at ${CHROMIUM}: install it (sudo apt-get install -y chromium) or set CHROMIUM_PATH.`,
    );
  }
  log('Chromium: installing Debian package chromium (for the browser tests)…');
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  for (const args of [
    ['update', '-qq'],
    ['install', '-y', '-qq', 'chromium'],
  ]) {
    const result = spawnSync('apt-get', args, { stdio: ['ignore', 'ignore', 'inherit'], env });
    if (result.status !== 0)
      throw new Error(`apt-get ${args.join(' ')} failed (exit ${result.status ?? result.signal})`);
  }
  if (!existsSync(CHROMIUM))
    throw new Error(`apt-get installed chromium, but ${CHROMIUM} does not exist`);
  log(`Chromium: ${CHROMIUM}`);
  return CHROMIUM;
}

if (require.main === module) {
  console.log(ensureChromium((message) => console.log(message)));
}
