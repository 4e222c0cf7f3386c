// The waiting room in headless Chromium against the real stack: the organizer switches it on
// from the dashboard and watches it; a fan sent there by the event page picks a tier, sees their
// place go down live, and is taken straight to that tier when admitted, and buys.
import { Client as Pg } from 'pg';
import type { Page } from 'playwright-core';
import { eventually } from '@ko/platform/testing';
import { axeViolations } from './support/axe';
import { call, screenshot, startE2E, type E2E } from './support/e2e';
import { createEvent, registerAccount, type Account } from './support/fixtures';
import { pagesOf } from './support/pages';

jest.setTimeout(180_000);

let e2e: E2E;
const openPage = pagesOf(() => e2e);

// One fan admitted at a time; the draw is seeded, so the browser's fan (the third to join) is
// dealt the third place and sees two fans go in ahead of them. An admission lasts two minutes, so
// the fan's own turn cannot run out while a loaded machine opens the page; the turns ahead are
// made to run out by the test (lapseTurnAhead) once the fan has seen their place move.
let tickets: Pg;

beforeAll(async () => {
  e2e = await startE2E({
    services: ['users', 'events', 'tickets', 'subscriptions', 'router'],
    serviceEnv: {
      tickets: {
        WAITING_ROOM_MIN_ADMITTED: '1',
        WAITING_ROOM_MAX_ADMITTED: '1',
        WAITING_ROOM_ADMISSION_SECONDS: '120',
        WAITING_ROOM_INTERVAL_MS: '200',
        WAITING_ROOM_DRAW_QUIET_MS: '300',
        WAITING_ROOM_SHUFFLE_SEED: 'the third place',
      },
    },
  });
  tickets = new Pg({ connectionString: e2e.stack.databaseUrls.tickets });
  await tickets.connect();
}, 300_000);

afterAll(async () => {
  await tickets?.end();
  await e2e?.stop();
});

/**
 * Once the fan's page shows `place`, the admitted fan ahead's turn runs out now, as it would at
 * its end: the admitter expires it on its next step and admits the next in line.
 */
async function lapseTurnAhead(page: Page, place: number, eventId: string, fanId: string) {
  await page.waitForFunction(
    (shown) => document.querySelector('[data-testid=queue-position]')?.textContent === shown,
    String(place),
    { timeout: 60_000 },
  );
  const { rowCount } = await tickets.query(
    `UPDATE queue_tickets SET admitted_until = now()
     WHERE event_id = $1 AND user_id <> $2 AND status = 'ADMITTED'`,
    [eventId, fanId],
  );
  expect(rowCount).toBe(1);
}

const open = async (as: Account): Promise<Page> => (await openPage({ as })).page;

const account = (name: string, role: 'FAN' | 'ORGANIZER') =>
  registerAccount(e2e.stack, {
    email: `${name.toLowerCase().replace(/\W+/g, '.')}@queue.test`,
    name,
    role,
  });

/** The numbers a page shows in the order they appear, read on every change (not on a timer). */
async function watchPositions(page: Page): Promise<() => Promise<number[]>> {
  await page.evaluate(() => {
    const seen: number[] = [];
    (window as unknown as { seenPositions: number[] }).seenPositions = seen;
    new MutationObserver(() => {
      const text = document.querySelector('[data-testid=queue-position]')?.textContent;
      if (text && Number(text) !== seen[seen.length - 1]) seen.push(Number(text));
    }).observe(document.body, { subtree: true, childList: true, characterData: true });
  });
  return () =>
    page.evaluate(() => (window as unknown as { seenPositions: number[] }).seenPositions);
}

describe('the waiting room', () => {
  it('is switched on from the dashboard, sends fans to it, moves them up live and admits them to the tier they chose', async () => {
    const [organizer, fan, ...ahead] = await Promise.all([
      account('Queue Promoter', 'ORGANIZER'),
      account('Browser Fan', 'FAN'),
      account('Early Fan One', 'FAN'),
      account('Early Fan Two', 'FAN'),
    ]);
    const salesStartAt = new Date(Date.now() + 20_000).toISOString();
    const event = await createEvent(e2e.stack, organizer, {
      title: 'Queue Night',
      tiers: [
        { name: 'Standing', priceCents: 2_500, capacity: 50, salesStartAt },
        { name: 'Balcony', priceCents: 4_000, capacity: 20, salesStartAt },
      ],
    });

    // The organizer switches the room on, and sees it waiting for the sale.
    const dashboard = await open(organizer);
    await dashboard.goto(`/dashboard/events/${event.id}`);
    await dashboard.getByRole('button', { name: 'Switch the waiting room on' }).click();
    const stats = dashboard.getByTestId('waiting-room-stats');
    const value = (term: string) =>
      stats.locator('div', { has: dashboard.locator('dt', { hasText: term }) }).locator('dd');
    await stats.getByText('before start').waitFor();

    // Two fans are in the room before the browser's fan (through the API, as any client).
    for (const other of ahead)
      await call(
        e2e.stack.urls.tickets!,
        'mutation($e: ID!) { joinWaitingRoom(eventId: $e) { id } }',
        { e: event.id },
        other.token,
      );

    // The event page sends the fan to the room; they pick the balcony while they wait.
    const page = await open(fan);
    await page.goto(`/events/${event.id}`);
    await page.waitForURL(`**/events/${event.id}/queue`);
    await page.getByText("You're in.").waitFor();
    expect(await axeViolations(page)).toEqual([]);
    await page.getByRole('radio', { name: 'Balcony' }).check();
    expect(Date.now()).toBeLessThan(new Date(salesStartAt).getTime());
    const positions = await watchPositions(page);
    await eventually(
      'three fans waiting on the dashboard',
      () => value('Waiting').textContent(),
      (text) => text === '3',
      10_000,
    );

    // After the draw, the place goes down as the fans ahead have (and here let run out) their
    // turn, without a reload; then the fan is taken to the event page, the balcony chosen.
    await lapseTurnAhead(page, 2, event.id, fan.id);
    await lapseTurnAhead(page, 1, event.id, fan.id);
    await page.waitForURL(`**/events/${event.id}#tickets`, { timeout: 30_000 });
    // [3, 2, 1], or [2, 1] when the draw's frame (nobody admitted yet) is not shown before the next.
    const seen = await positions();
    expect(seen.slice(-2)).toEqual([2, 1]);
    expect(seen).toEqual([...seen].sort((a, b) => b - a));
    expect(await page.getByRole('radio', { name: /Balcony/ }).isChecked()).toBe(true);
    await page.getByRole('button', { name: 'Reserve 1 ticket' }).click();
    await page.getByRole('timer').waitFor();
    await page.getByRole('button', { name: /^Pay/ }).click();
    await page.getByRole('link', { name: 'See my order and tickets' }).click();
    await page.waitForURL(/\/orders\//);
    await page.getByText('Balcony').first().waitFor();
    await screenshot(page, 'waiting-room-order');

    // The organizer's numbers move on by themselves: the order counted, nobody waiting.
    await stats.getByText('admitting').waitFor({ timeout: 10_000 });
    await eventually(
      'the order counted on the dashboard',
      () => value('Orders per minute').textContent(),
      (text) => text === '1',
      10_000,
    );
    expect(await value('Waiting').textContent()).toBe('0');
  });
});
