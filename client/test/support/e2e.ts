// End-to-end harness: the real stack (startStack), the built client behind its own server, and
// Debian's Chromium driven by playwright-core. Used by client/test/*.test.ts.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import {
  SERVICES,
  freePort,
  graphql,
  repoRoot,
  startStack,
  testInfrastructure,
  type ServiceName,
  type Stack,
} from '@ko/platform/testing';
import { startClientServer, type RunningClientServer } from '../../serve';

export const ROOT = repoRoot();
export const CLIENT_DIR = join(ROOT, 'client');
export const DIST = join(CLIENT_DIR, 'dist');
/** Where the test run leaves its screenshots for people to review. */
export const SCREENSHOTS = join(ROOT, '.data', 'screenshots');

const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

/**
 * Builds the client (codegen against the current schemas, type-check, vite build) so the
 * test exercises this tree's code; set CLIENT_E2E_SKIP_BUILD=1 to reuse client/dist.
 */
export function buildClient(): void {
  if (process.env.CLIENT_E2E_SKIP_BUILD === '1' && existsSync(join(DIST, 'index.html'))) return;
  execFileSync(process.platform === 'win32' ? 'npm.cmd' : 'npm', ['run', 'build', '-w', 'client'], {
    cwd: ROOT,
    stdio: 'pipe',
  });
}

export interface E2E {
  stack: Stack;
  client: RunningClientServer;
  browser: Browser;
  /** The page's origin, e.g. http://127.0.0.1:41234 */
  baseUrl: string;
  stop(): Promise<void>;
}

/** Services that exist in this tree (each built to dist/main.js). */
export function availableServices(wanted: ServiceName[]): ServiceName[] {
  return wanted.filter((name) => existsSync(join(ROOT, SERVICES[name].dir, 'dist', 'main.js')));
}

export async function startE2E(
  options: {
    services?: ServiceName[];
    env?: Record<string, string>;
    serviceEnv?: Partial<Record<ServiceName, Record<string, string>>>;
  } = {},
): Promise<E2E> {
  buildClient();
  const clientPort = await freePort();
  const origin = `http://127.0.0.1:${clientPort}`;
  const services = availableServices(
    options.services ?? [
      'users',
      'events',
      'tickets',
      'chat',
      'subscriptions',
      'lambda-runner',
      'router',
    ],
  );
  const stack = await startStack({
    ...testInfrastructure(),
    services,
    env: options.env,
    serviceEnv: {
      ...options.serviceEnv,
      router: {
        ...options.serviceEnv?.router,
        CORS_ORIGINS: origin,
        // Production posture: the router runs only this build's registered operations.
        TRUSTED_DOCUMENTS: join(DIST, 'persisted-documents.json'),
        TRUSTED_DOCUMENTS_ONLY: 'true',
      },
    },
  });
  let client: RunningClientServer | undefined;
  let browser: Browser | undefined;
  try {
    client = await startClientServer({
      port: clientPort,
      graphqlUrl: stack.routerUrl,
      distDir: DIST,
    });
    browser = await chromium.launch({
      executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
      args: CHROMIUM_ARGS,
    });
  } catch (error) {
    await client?.close();
    await stack.stop({ dropDatabases: true });
    throw error;
  }
  mkdirSync(SCREENSHOTS, { recursive: true });
  return {
    stack,
    client,
    browser,
    baseUrl: origin,
    stop: async () => {
      await browser?.close().catch(() => undefined);
      await client?.close();
      await stack.stop({ dropDatabases: true });
    },
  };
}

export const PHONE = {
  viewport: { width: 390, height: 844 },
  deviceScaleFactor: 2,
  isMobile: true,
  hasTouch: true,
};
export const DESKTOP = { viewport: { width: 1280, height: 900 } };

export async function newPage(
  e2e: E2E,
  device: typeof DESKTOP | typeof PHONE = DESKTOP,
  /** The visitor's own clock; Lisbon unless a test travels. */
  timezoneId = 'Europe/Lisbon',
): Promise<{ context: BrowserContext; page: Page; problems: string[] }> {
  const context = await e2e.browser.newContext({
    ...device,
    baseURL: e2e.baseUrl,
    locale: 'en-GB',
    timezoneId,
  });
  const page = await context.newPage();
  // Console errors and CSP violations fail the page checks that look at them.
  const problems: string[] = [];
  page.on('pageerror', (error) => problems.push(`pageerror: ${error.message}`));
  page.on('console', (message) => {
    if (message.type() === 'error') problems.push(`console: ${message.text()}`);
  });
  return { context, page, problems };
}

export async function screenshot(page: Page, name: string): Promise<string> {
  const path = join(SCREENSHOTS, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}

/** Direct GraphQL calls for set-up (an organizer's event and tiers), as any client would. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- set-up reads arbitrary shapes
export async function call<T = Record<string, any>>(
  url: string,
  query: string,
  variables: Record<string, unknown> = {},
  token?: string,
): Promise<T> {
  const result = await graphql<T>(url, query, variables, token);
  if (result.errors?.length)
    throw new Error(
      `GraphQL: ${result.errors.map((e) => `${e.extensions?.code}: ${e.message}`).join('; ')}`,
    );
  return result.data!;
}
