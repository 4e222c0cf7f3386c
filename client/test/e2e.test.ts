// The web client end to end: headless Chromium (Debian's, via playwright-core) against the real
// stack behind the router, with the client served by serve.ts exactly as `npm start` serves it.
// A fan's side: searching, buying, the profile's QR codes, paging, a phone. Screenshots of the
// main pages land in .data/screenshots/ for review.
import { readFileSync } from 'node:fs';
import type { Page } from 'playwright-core';
import { call, PHONE, screenshot } from './support/e2e';
import { createEvent, registerAccount, organizerSuite, type Account } from './support/fixtures';
import { pagesOf } from './support/pages';
import { qrBits, readQrImages } from './support/qr';
import { ticketsOf, tierAvailability } from './support/tickets';

jest.setTimeout(180_000);

const suite = organizerSuite();
const open = pagesOf(() => suite.e2e);

const cardTitles = (page: Page) => page.locator('.event-card-title').allInnerTexts();

async function waitForCards(page: Page, expected: string[]): Promise<void> {
  await page.waitForFunction(
    (titles) => {
      const shown = [...document.querySelectorAll('.event-card-title')].map((e) =>
        (e as HTMLElement).innerText.trim(),
      );
      return shown.length === titles.length && titles.every((t) => shown.includes(t));
    },
    expected,
    { timeout: 15_000 },
  );
}

describe('a fan', () => {
  let orchestra: { id: string; tierIds: string[] };

  beforeAll(async () => {
    orchestra = await createEvent(suite.e2e.stack, suite.organizer, {
      title: 'Midnight Orchestra',
      category: 'Music',
      city: 'Porto',
      venue: 'Coliseu',
      tiers: [
        { name: 'General Admission', priceCents: 4500, capacity: 100 },
        { name: 'VIP', priceCents: 12000, capacity: 1 },
      ],
    });
    await createEvent(suite.e2e.stack, suite.organizer, {
      title: 'River Jazz',
      category: 'Music',
      city: 'Lisbon',
      tiers: [{ name: 'Standing', priceCents: 2500, capacity: 50 }],
    });
    await createEvent(suite.e2e.stack, suite.organizer, {
      title: 'Derby Day',
      category: 'Sports',
      city: 'Porto',
      tiers: [{ name: 'Stand', priceCents: 3000, capacity: 50 }],
    });
    await createEvent(suite.e2e.stack, suite.organizer, {
      title: 'Unpublished Rehearsal',
      publish: false,
    });
  });

  it('signs up, searches, buys two tickets and sees them with QR codes on the profile', async () => {
    const { page, problems } = await open();
    await page.goto('/');
    await waitForCards(page, ['Derby Day', 'Midnight Orchestra', 'River Jazz']);
    expect(await cardTitles(page)).not.toContain('Unpublished Rehearsal');
    await screenshot(page, 'home');

    // Search, then a city filter: the list follows, and says how many match.
    await page.getByLabel('Search').fill('orchestra');
    await waitForCards(page, ['Midnight Orchestra']);
    await page.getByText('1 event matches your filters').waitFor();
    await page.getByLabel('Search').fill('');
    await page.getByLabel('City').selectOption('Lisbon');
    await waitForCards(page, ['River Jazz']);
    await page.getByRole('button', { name: 'Clear filters' }).first().click();
    await page.getByLabel('Search').fill('Orchestra');
    await waitForCards(page, ['Midnight Orchestra']);
    await screenshot(page, 'home-search');

    await page.getByRole('link', { name: 'Midnight Orchestra' }).click();
    await page.waitForURL(`**/events/${orchestra.id}`);
    await page.getByRole('heading', { name: 'Midnight Orchestra', level: 1 }).waitFor();

    // Buying asks to sign in, and brings the fan back here afterwards.
    await page.getByRole('button', { name: 'Sign in to buy' }).click();
    await page.waitForURL(/\/signin\?next=/);
    await page.getByRole('link', { name: 'Create an account' }).click();
    await page.waitForURL(/\/signup\?next=/);
    await page.getByLabel('Your name').fill('Fiona Fan');
    await page.getByLabel('Email').fill('fiona@fans.test');
    await page.getByLabel('Password').fill('correct horse battery');
    await screenshot(page, 'sign-up');
    await page.getByRole('button', { name: 'Create account' }).click();
    await page.waitForURL(`**/events/${orchestra.id}`);
    await page.locator('.account-name', { hasText: 'Fiona Fan' }).waitFor();
    const token = await page.evaluate(() => localStorage.getItem('ko.token'));
    expect(token).toBeTruthy();
    const me = await call<{ me: { id: string } }>(
      suite.e2e.stack.urls.users!,
      '{ me { id } }',
      {},
      token!,
    );
    const fan: Account = {
      id: me.me.id,
      token: token!,
      email: 'fiona@fans.test',
      name: 'Fiona Fan',
      password: 'correct horse battery',
    };

    // Two General Admission tickets: reserve, see the hold's countdown, pay.
    await page.getByRole('radio', { name: /General Admission/ }).check();
    await page.getByRole('button', { name: 'One ticket more' }).click();
    expect(await page.getByLabel('Quantity').inputValue()).toBe('2');
    await page.getByRole('button', { name: 'Reserve 2 tickets' }).click();
    await page.getByText('Held for you for').waitFor();
    expect(await page.getByRole('timer').innerText()).toMatch(/\d+:\d\d/);
    await screenshot(page, 'event-hold');
    await page.getByRole('button', { name: /^Pay €90\.00$/ }).click();
    await page.getByRole('heading', { name: "You're going!" }).waitFor();
    await screenshot(page, 'event-confirmation');

    const owned = await ticketsOf(suite.e2e, fan);
    expect(owned).toHaveLength(2);
    expect(
      owned.every(
        (t) =>
          t.status === 'VALID' &&
          t.tier.name === 'General Admission' &&
          t.event.id === orchestra.id,
      ),
    ).toBe(true);
    expect((await tierAvailability(suite.e2e, orchestra.id))['General Admission']).toBe(98);

    // The profile: both tickets under the event, each with the QR code of its own signed code.
    await page.getByRole('link', { name: 'See my order and tickets' }).click();
    await page.waitForURL('**/orders/**');
    await page.goto('/profile');
    await page.waitForFunction(
      () => document.querySelectorAll('[data-testid="ticket-qr"]').length === 2,
      undefined,
      { timeout: 15_000 },
    );
    const group = page.locator('.ticket-group', {
      has: page.getByRole('heading', { name: 'Midnight Orchestra' }),
    });
    expect(await group.locator('[data-testid="ticket"]').count()).toBe(2);
    // Read each QR image back, module by module, and compare with the QR of each signed code.
    const expectedQr = owned.map((t) => qrBits(t.code));
    const shownQr = await page
      .locator('[data-testid="ticket-qr"]')
      .evaluateAll(readQrImages, expectedQr[0]!.size);
    expect(shownQr.sort()).toEqual(expectedQr.map((q) => q.bits).sort());
    expect(await group.getByText('Valid').count()).toBe(2);
    await screenshot(page, 'profile');

    // The order's PDF.
    const pdfButton = page.getByRole('button', { name: /Download PDF/ });
    const [download] = await Promise.all([
      page.waitForEvent('download', { timeout: 30_000 }),
      pdfButton.first().click(),
    ]);
    const file = await download.path();
    expect(readFileSync(file).subarray(0, 5).toString()).toBe('%PDF-');

    // Remembered across reloads; signing out forgets the token and the profile needs a sign-in.
    await page.reload();
    await page.locator('.account-name', { hasText: 'Fiona Fan' }).waitFor();
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('link', { name: 'Sign in' }).waitFor();
    expect(await page.evaluate(() => localStorage.getItem('ko.token'))).toBeNull();
    await page.goto('/profile');
    await page.waitForURL(/\/signin\?next=%2Fprofile/);

    expect(problems).toEqual([]);
  });

  it('is told in plain words when the last ticket went to someone else', async () => {
    const fan = await registerAccount(suite.e2e.stack, {
      email: 'slow@fans.test',
      name: 'Slow Sam',
      role: 'FAN',
    });
    const rival = await registerAccount(suite.e2e.stack, {
      email: 'quick@fans.test',
      name: 'Quick Quinn',
      role: 'FAN',
    });
    const { page } = await open({ as: fan });
    // Freeze what the page believes is available, so the rival's purchase lands unseen: no
    // re-read, and no live eventUpdated payload (the rest of the socket passes through).
    await page.route('**/graphql', (route) =>
      route.request().postData()?.includes('"operationName":"EventAvailability"')
        ? route.abort()
        : route.fallback(),
    );
    await page.routeWebSocket(/\/graphql/, (ws) => {
      const server = ws.connectToServer();
      ws.onMessage((message) => server.send(message));
      server.onMessage((message) => {
        if (!String(message).includes('"eventUpdated"')) ws.send(message);
      });
    });
    await page.goto(`/events/${orchestra.id}`);
    await page.getByRole('radio', { name: /VIP/ }).check();
    // A tier of one with nothing sold yet: its one place, without "only".
    await page.getByText('1 left', { exact: true }).waitFor();

    await call(
      suite.e2e.stack.urls.tickets!,
      'mutation($i: PurchaseInput!) { purchaseTickets(input: $i) { id } }',
      { i: { tierId: orchestra.tierIds[1], quantity: 1, idempotencyKey: 'rival-vip' } },
      rival.token,
    );
    await page.getByRole('button', { name: 'Reserve 1 ticket' }).click();
    const alert = page.getByRole('alert');
    await alert.waitFor();
    expect(await alert.innerText()).toMatch(/^Sold out — there are no tickets left in this tier\./);
    expect(await page.locator('body').innerText()).not.toMatch(/SOLD_OUT|GraphQL|Error:/);
    await screenshot(page, 'event-sold-out');
    expect(await ticketsOf(suite.e2e, fan)).toHaveLength(0);
  });

  it('browses page by page, and gets a clear empty state', async () => {
    for (let i = 1; i <= 13; i++) {
      await createEvent(suite.e2e.stack, suite.organizer, {
        title: `Summit Talk ${String(i).padStart(2, '0')}`,
        category: 'Conference',
        city: 'Lisbon',
        startsAt: new Date(Date.now() + (40 + i) * 86_400_000).toISOString(),
        tiers: [{ name: 'Pass', priceCents: 9900, capacity: 10 }],
      });
    }
    const { page, problems } = await open();
    await page.goto('/?category=Conference');
    await page.getByText('13 events match your filters').waitFor();
    expect(await page.locator('.event-card').count()).toBe(12);
    await page.getByRole('button', { name: 'Load more events' }).click();
    await page.waitForFunction(
      () => document.querySelectorAll('.event-card').length === 13,
      undefined,
      { timeout: 15_000 },
    );
    expect(await page.getByRole('button', { name: 'Load more events' }).count()).toBe(0);
    const titles = await cardTitles(page);
    expect(titles).toEqual([...titles].sort()); // soonest first, as the seed's dates go
    expect(new Set(titles).size).toBe(13);

    await page.getByLabel('From').fill('2099-01-01');
    await page.getByRole('heading', { name: 'No events found' }).waitFor();
    await screenshot(page, 'home-empty');
    await page.getByRole('button', { name: 'Clear filters' }).last().click();
    await page.getByRole('heading', { name: 'No events found' }).waitFor({ state: 'detached' });
    expect(problems).toEqual([]);
  });

  it('gets a usable layout on a phone', async () => {
    const { page, problems } = await open({ device: PHONE });
    await page.goto('/');
    await page.getByRole('link', { name: 'Midnight Orchestra' }).waitFor();
    // Nothing wider than the screen: no sideways scrolling.
    expect(
      await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth),
    ).toBe(true);
    await screenshot(page, 'home-phone');
    await page.goto(`/events/${orchestra.id}`);
    await page.getByRole('heading', { name: 'Midnight Orchestra', level: 1 }).waitFor();
    await page.getByRole('heading', { name: 'Live chat' }).waitFor();
    expect(
      await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth),
    ).toBe(true);
    await screenshot(page, 'event-phone');
    expect(problems).toEqual([]);
  });
});
