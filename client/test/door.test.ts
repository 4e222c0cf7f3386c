// The door in Chromium against the real stack (issue 15): the organizer's check-in page keeps
// working when the network goes away, and what it did offline reaches the server once, with
// the time of the scan rather than of the sync.
import { readFileSync } from 'node:fs';
import { Client as Pg } from 'pg';
import type { Page } from 'playwright-core';
import { eventually } from '@ko/platform/testing';
import { call, PHONE, screenshot, startE2E, type E2E } from './support/e2e';
import { createEvent, registerAccount, type Account } from './support/fixtures';
import { pagesOf } from './support/pages';

jest.setTimeout(180_000);

let e2e: E2E;
let db: Pg;
let organizer: Account;
let fan: Account;
const open = pagesOf(() => e2e);

beforeAll(async () => {
  e2e = await startE2E({ services: ['users', 'events', 'tickets', 'router'] });
  db = new Pg({ connectionString: e2e.stack.databaseUrls.tickets });
  await db.connect();
  [organizer, fan] = await Promise.all([
    registerAccount(e2e.stack, {
      email: 'door-org@example.com',
      name: 'Doorkeeper Live',
      role: 'ORGANIZER',
    }),
    registerAccount(e2e.stack, { email: 'door-fan@example.com', name: 'Dora Fan', role: 'FAN' }),
  ]);
}, 300_000);

afterAll(async () => {
  await db?.end();
  await e2e?.stop();
});

async function openAs(account: Account, path: string) {
  const opened = await open({ device: PHONE, as: account });
  await opened.page.goto(path);
  return opened;
}

async function scan(page: Page, code: string): Promise<string> {
  await page.getByLabel('Ticket code').fill(code);
  await page.getByRole('button', { name: 'Check in' }).click();
  const verdict = page.getByTestId('door-verdict');
  // The verdict for this scan, not the one before: wait until it is not "Checking…".
  await page.waitForFunction(
    () => !document.querySelector('[data-testid=door-verdict]')?.textContent?.includes('Checking'),
  );
  return (await verdict.textContent()) ?? '';
}

const ticketRow = async (id: string) =>
  (
    await db.query<{ status: string; used_at: Date | null }>(
      'SELECT status, used_at FROM tickets WHERE id = $1',
      [id],
    )
  ).rows[0]!;

describe('the door page', () => {
  it('checks tickets in offline and syncs them once, at the time of the scan', async () => {
    const event = await createEvent(e2e.stack, organizer, {
      title: 'Offline Night',
      tiers: [{ name: 'Standing', priceCents: 1_500, capacity: 50 }],
    });
    const { purchaseTickets } = await call<{
      purchaseTickets: { tickets: Array<{ id: string; code: string }> };
    }>(
      e2e.stack.urls.tickets!,
      'mutation($i: PurchaseInput!) { purchaseTickets(input: $i) { tickets { id code } } }',
      { i: { tierId: event.tierIds[0], quantity: 2, idempotencyKey: 'door-offline' } },
      fan.token,
    );
    const [ticket, untouched] = purchaseTickets.tickets;
    const [payload, signature] = ticket!.code.split('.');
    const forged = `${payload}.${signature![0] === 'A' ? 'B' : 'A'}${signature!.slice(1)}`;

    const { context, page, problems } = await openAs(organizer, `/door/${event.id}`);
    await page.getByText('Ready to scan').waitFor();
    // The key is in (the button waits for it), and the counts are shown.
    await page.waitForFunction(
      () => !(document.querySelector('.door-form button') as HTMLButtonElement | null)?.disabled,
    );
    await page.getByText('of 2 checked in').waitFor();

    await context.setOffline(true);
    await page.getByText('Offline: check-ins are kept on this device').waitFor();
    const before = new Date();
    expect(await scan(page, ticket!.code)).toMatch(/^VALID.*Pending/);
    const after = new Date();
    expect(await scan(page, forged)).toMatch(/^INVALID/);
    expect(await scan(page, 'not a ticket at all')).toMatch(/^INVALID/);
    expect(await scan(page, ticket!.code)).toMatch(/^ALREADY USED/);
    expect(await page.getByTestId('pending').textContent()).toBe('1');
    expect(await page.locator('.door-recent .badge-pending').count()).toBe(1);
    await screenshot(page, 'door-offline');
    // Nothing reached the server while offline.
    expect(await ticketRow(ticket!.id)).toEqual({ status: 'VALID', used_at: null });

    // Some time passes before the network returns: the check-in keeps the scan's time.
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    const online = new Date();
    await context.setOffline(false);
    const synced = await eventually(
      'the offline check-in on the server',
      () => ticketRow(ticket!.id),
      (row) => row.status === 'USED',
      30_000,
    );
    expect(synced.used_at!.getTime()).toBeGreaterThanOrEqual(before.getTime());
    expect(synced.used_at!.getTime()).toBeLessThanOrEqual(after.getTime());
    expect(synced.used_at!.getTime()).toBeLessThan(online.getTime());
    expect(await ticketRow(untouched!.id)).toEqual({ status: 'VALID', used_at: null });
    await page.waitForFunction(
      () => document.querySelector('[data-testid=pending]')?.textContent === '0',
    );
    await page.getByText('1 of 2 checked in').waitFor({ timeout: 30_000 });
    expect(await page.locator('.door-recent .badge').allTextContents()).toEqual(['Synced']);
    // Back online, the same ticket again is still a second use, with the first scan's time.
    expect(await scan(page, ticket!.code)).toMatch(/^ALREADY USED/);
    expect(problems.filter((p) => !/Failed to fetch|ERR_INTERNET_DISCONNECTED/.test(p))).toEqual(
      [],
    );
  });

  it('refuses the page to anyone but the organizer', async () => {
    const event = await createEvent(e2e.stack, organizer, { title: 'Private Door', tiers: [] });
    const { page } = await openAs(fan, `/door/${event.id}`);
    await page.getByText('Only the organizer of an event can check its tickets in.').waitFor();
  });

  it('is linked from the dashboard, beside the attendees and their CSV export', async () => {
    const event = await createEvent(e2e.stack, organizer, {
      title: 'Export Night',
      tiers: [{ name: 'Seated', priceCents: 2_500, capacity: 20 }],
    });
    const hostile = await registerAccount(e2e.stack, {
      email: 'door-hostile@example.com',
      name: '=HYPERLINK("x"), Ελένη',
      role: 'FAN',
    });
    await call(
      e2e.stack.urls.tickets!,
      'mutation($i: PurchaseInput!) { purchaseTickets(input: $i) { id } }',
      { i: { tierId: event.tierIds[0], quantity: 1, idempotencyKey: 'door-export' } },
      hostile.token,
    );
    const { page } = await openAs(organizer, `/dashboard/events/${event.id}`);
    await page.getByRole('cell', { name: '=HYPERLINK("x"), Ελένη' }).waitFor();
    await page.getByText('0 of 1 checked in').waitFor();
    await page.getByLabel('Search attendees').fill('ελένη');
    await page.getByRole('button', { name: 'Search', exact: true }).click();
    await page.getByText('1 ticket matching “ελένη”').waitFor();

    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: 'Download CSV' }).click(),
    ]);
    const csv = readFileSync((await download.path())!, 'utf8');
    const lines = csv.split('\r\n');
    // A byte-order mark for spreadsheets, then the header; the name quoted and never a formula.
    expect(lines[0]).toBe('\uFEFFName,E-mail,Tier,Order,Ticket,Code,Status,Checked in at');
    expect(lines[1]).toMatch(/^"'=HYPERLINK\(""x""\), Ελένη",door-hostile@example\.com,Seated,KO-/);

    await page.getByRole('link', { name: 'Open the door page' }).click();
    await page.getByText('Ready to scan').waitFor();
    expect(new URL(page.url()).pathname).toBe(`/door/${event.id}`);
  });
});
