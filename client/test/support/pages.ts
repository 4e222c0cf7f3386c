import type { BrowserContext } from 'playwright-core';
import { DESKTOP, newPage, type E2E, type PHONE } from './e2e';
import type { Account } from './fixtures';

export interface OpenOptions {
  device?: typeof DESKTOP | typeof PHONE;
  /** Signed in as this account: the token the client keeps in localStorage. */
  as?: Account;
  /** The visitor's own clock (newPage's default unless a test travels). */
  timezoneId?: string;
}

/**
 * A suite's way to open pages, each in its own browser context, all closed after each test.
 * `e2e` is read when a page opens (the suite starts its stack in beforeAll).
 */
export function pagesOf(e2e: () => E2E) {
  const contexts: BrowserContext[] = [];
  afterEach(async () => {
    await Promise.all(contexts.splice(0).map((c) => c.close().catch(() => undefined)));
  });
  return async function open(options: OpenOptions = {}) {
    const opened = await newPage(e2e(), options.device ?? DESKTOP, options.timezoneId);
    contexts.push(opened.context);
    if (options.as) {
      await opened.page.goto('/');
      await opened.page.evaluate(
        (token) => localStorage.setItem('ko.token', token),
        options.as.token,
      );
    }
    return opened;
  };
}
