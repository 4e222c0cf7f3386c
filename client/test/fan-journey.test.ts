// The fan's journey in Chromium against the real stack: what a fan must never see wrong (issue
// 14). Each test names the fault it guards; each failed against the client before its fix.
import type { Page } from 'playwright-core';
import { call, PHONE, screenshot, startE2E, type E2E } from './support/e2e';
import { axeViolations } from './support/axe';
import { createEvent, registerAccount, type Account } from './support/fixtures';
import { pagesOf } from './support/pages';
import { tierAvailability } from './support/tickets';

jest.setTimeout(180_000);

let e2e: E2E;
let organizer: Account;
let fan: Account;
const open = pagesOf(() => e2e);

beforeAll(async () => {
  e2e = await startE2E();
  [organizer, fan] = await Promise.all([
    registerAccount(e2e.stack, {
      email: 'journey-org@example.com',
      name: 'Aurora Live',
      role: 'ORGANIZER',
    }),
    registerAccount(e2e.stack, {
      email: 'journey-fan@example.com',
      name: 'Fiona Fan',
      role: 'FAN',
    }),
  ]);
}, 300_000);

afterAll(async () => {
  await e2e?.stop();
});

const NARROW_PHONE = { ...PHONE, viewport: { width: 360, height: 740 } };

/** How far the page is wider than the screen (0: no horizontal scroll). */
const overflow = (page: Page) =>
  page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);

async function buy(tierId: string, quantity: number, as: Account = fan) {
  await call(
    e2e.stack.urls.tickets!,
    'mutation($i: PurchaseInput!) { purchaseTickets(input: $i) { id } }',
    { i: { tierId, quantity, idempotencyKey: `${tierId}-${quantity}-${Math.random()}` } },
    as.token,
  );
}

describe('the event page', () => {
  it('shows a New York show at 19:30 New York time, with the Berlin visitor’s own time, in dollars, with a calendar entry', async () => {
    const event = await createEvent(e2e.stack, organizer, {
      title: 'Broadway Night',
      // 19:30 in New York (EST) on Thursday 9 January 2031: 01:30 on the 10th in Berlin.
      startsAt: '2031-01-10T00:30:00.000Z',
      timeZone: 'America/New_York',
      currency: 'USD',
      address: '1681 Broadway',
      tiers: [{ name: 'Orchestra', priceCents: 4500, capacity: 50 }],
    });
    const { page } = await open({ timezoneId: 'Europe/Berlin' });
    await page.goto(`/events/${event.id}`);
    const venueTime = page.locator('.venue-time');
    await venueTime.waitFor();
    expect(await venueTime.textContent()).toMatch(/9 Jan 2031.*19:30.*New York/);
    expect(await page.locator('.visitor-time').textContent()).toMatch(/10 Jan 2031.*01:30/);
    const price = await page.locator('.tier-price').first().textContent();
    expect(price).toMatch(/\$45\.00/);
    expect(price).not.toContain('€');
    const href = await page.getByRole('link', { name: 'Add to calendar' }).getAttribute('href');
    expect(decodeURIComponent(href!)).toContain('DTSTART;TZID=America/New_York:20310109T193000');
  });

  it('turns into the cancelled notice, and greys out a tier that sells out, without a click', async () => {
    const event = await createEvent(e2e.stack, organizer, {
      title: 'Live Changes',
      tiers: [
        { name: 'Standing', priceCents: 2000, capacity: 2 },
        { name: 'Seated', priceCents: 3000, capacity: 10 },
      ],
    });
    const { page } = await open();
    await page.goto(`/events/${event.id}`);
    const seated = page.locator('.tier-option', { hasText: 'Seated' });
    await seated.waitFor();
    // A brand-new tier of 10 is not "only 10 left".
    expect(await seated.locator('.tier-availability').textContent()).toBe('10 left');
    // Standing (the one chosen) sells out elsewhere: it greys out; Seated still sells.
    await buy(event.tierIds[0]!, 2);
    const standingRadio = page.getByRole('radio', { name: /Standing/ });
    await page.waitForFunction(
      () =>
        (document.querySelector('input[type=radio]') as HTMLInputElement | null)?.disabled === true,
      undefined,
      { timeout: 15_000 },
    );
    expect(await standingRadio.isDisabled()).toBe(true);
    expect(await page.getByText('All tickets are sold out.').count()).toBe(0);
    expect(await page.getByRole('radio', { name: /Seated/ }).isDisabled()).toBe(false);

    await call(
      e2e.stack.urls.events!,
      'mutation($id: ID!) { cancelEvent(id: $id) { id } }',
      { id: event.id },
      organizer.token,
    );
    await page.getByText('This event was cancelled.').waitFor({ timeout: 15_000 });
    expect(await page.locator('.buy-panel').count()).toBe(0);
  });

  it('gives a hold back when the fan presses Cancel', async () => {
    const event = await createEvent(e2e.stack, organizer, {
      title: 'Hold and Release',
      tiers: [{ name: 'Floor', priceCents: 2500, capacity: 20 }],
    });
    const { page } = await open({ as: fan });
    await page.goto(`/events/${event.id}`);
    await page.getByRole('button', { name: 'One ticket more' }).click();
    await page.getByRole('button', { name: 'Reserve 2 tickets' }).click();
    await page.getByRole('timer').waitFor();
    expect(await tierAvailability(e2e, event.id)).toEqual({ Floor: 18 });
    await page.getByRole('button', { name: 'Cancel' }).click();
    await page.getByRole('button', { name: 'Reserve 2 tickets' }).waitFor();
    expect(await tierAvailability(e2e, event.id)).toEqual({ Floor: 20 });
  });
});

describe('the chat', () => {
  it('shows an announcement once, and the day of a message from another day', async () => {
    const event = await createEvent(e2e.stack, organizer, {
      title: 'Chatty Evening',
      tiers: [{ name: 'Floor', priceCents: 1000, capacity: 10 }],
    });
    await call(
      e2e.stack.urls.chat!,
      'mutation($e: ID!, $b: String!) { postAnnouncement(eventId: $e, body: $b) { id } }',
      { e: event.id, b: 'Doors open at seven' },
      organizer.token,
    );
    await call(
      e2e.stack.urls.chat!,
      'mutation($e: ID!, $b: String!) { postMessage(eventId: $e, body: $b) { id } }',
      { e: event.id, b: 'See you there' },
      fan.token,
    );
    const { page } = await open();
    // The visitor reads the chat two days later.
    await page.clock.install({ time: new Date(Date.now() + 2 * 86_400_000) });
    await page.goto(`/events/${event.id}`);
    await page.getByText('See you there').waitFor();
    expect(await page.getByText('Doors open at seven').count()).toBe(1);
    const line = page.locator('[data-testid=chat-message]', { hasText: 'See you there' });
    expect(await line.locator('time').textContent()).toMatch(/\d{1,2} [A-Z][a-z]{2}/);
  });
});

describe('the profile', () => {
  it('names each order’s event and number, and shows a cancelled event’s tickets VOID with no QR code or PDF', async () => {
    const buyer = await registerAccount(e2e.stack, {
      email: 'journey-buyer@example.com',
      name: 'Bea Buyer',
      role: 'FAN',
    });
    const kept = await createEvent(e2e.stack, organizer, {
      title: 'Still On',
      currency: 'USD',
      tiers: [{ name: 'Floor', priceCents: 4500, capacity: 20 }],
    });
    const dropped = await createEvent(e2e.stack, organizer, {
      title: 'Called Off',
      tiers: [{ name: 'Floor', priceCents: 1500, capacity: 20 }],
    });
    await buy(kept.tierIds[0]!, 1, buyer);
    await buy(dropped.tierIds[0]!, 2, buyer);
    await call(
      e2e.stack.urls.events!,
      'mutation($id: ID!) { cancelEvent(id: $id) { id } }',
      { id: dropped.id },
      organizer.token,
    );
    // Tickets learns of the cancellation from Kafka: wait until it has cancelled the order.
    const ordersOf = async () =>
      (
        await call<{
          _entities: Array<{ orders: Array<{ status: string; event: { id: string } }> }>;
        }>(
          e2e.stack.urls.tickets!,
          'query($r: [_Any!]!) { _entities(representations: $r) { ... on User { orders { status event { id } } } } }',
          { r: [{ __typename: 'User', id: buyer.id }] },
          buyer.token,
        )
      )._entities[0]!.orders;
    for (let i = 0; i < 100; i++) {
      const orders = await ordersOf();
      if (orders.find((o) => o.event.id === dropped.id)?.status === 'CANCELLED') break;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    const { page } = await open({ as: buyer });
    await page.goto('/profile');
    const rows = page.locator('.orders tbody tr');
    await rows.first().waitFor();
    const calledOff = rows.filter({ hasText: 'Called Off' });
    expect(await calledOff.textContent()).toContain('event cancelled');
    expect(await calledOff.getByRole('button').count()).toBe(0);
    const stillOn = rows.filter({ hasText: 'Still On' });
    expect(await stillOn.textContent()).toMatch(/KO-[0-9A-F]{12}/);
    expect(await stillOn.textContent()).toMatch(/\$45\.00/);
    const voidTickets = page.locator('[data-testid=ticket]', { hasText: 'VOID' });
    expect(await voidTickets.count()).toBe(2);
    expect(await voidTickets.locator('canvas, img, svg').count()).toBe(0);
  });
});

describe('buying, from choice to confirmation', () => {
  it('keeps tier and quantity through sign-in and a hold through a reload, then confirms the order with one number everywhere', async () => {
    const buyer = await registerAccount(e2e.stack, {
      email: 'journey-returning@example.com',
      name: 'Rita Returning',
      role: 'FAN',
    });
    const event = await createEvent(e2e.stack, organizer, {
      title: 'Choice Night',
      currency: 'GBP',
      timeZone: 'Europe/London',
      address: '1 Concert Lane',
      tiers: [
        { name: 'Standing', priceCents: 2000, capacity: 50 },
        { name: 'Seated', priceCents: 3500, capacity: 50 },
      ],
    });
    const { page } = await open();
    await page.goto(`/events/${event.id}`);
    await page.getByRole('radio', { name: /Seated/ }).check();
    for (let i = 0; i < 2; i++) await page.getByRole('button', { name: 'One ticket more' }).click();
    await page.getByRole('button', { name: 'Sign in to buy' }).click();
    await page.waitForURL(/\/signin\?next=/);
    await page.getByLabel('Email').fill(buyer.email);
    await page.getByLabel('Password').fill(buyer.password);
    await page.locator('form button[type=submit]').click();
    await page.waitForURL(`**/events/${event.id}`);
    await page.getByRole('button', { name: 'Reserve 3 tickets' }).waitFor();
    expect(await page.getByRole('radio', { name: /Seated/ }).isChecked()).toBe(true);

    await page.getByRole('button', { name: 'Reserve 3 tickets' }).click();
    await page.getByRole('timer').waitFor();
    await page.reload();
    await page.getByRole('timer').waitFor();
    expect(await page.locator('.hold-summary').textContent()).toMatch(/3 tickets · Seated/);
    await page.goto('/');
    await page.goto(`/events/${event.id}`);
    await page.getByRole('timer').waitFor();

    await page.getByRole('button', { name: /^Pay/ }).click();
    await page.getByRole('link', { name: 'See my order and tickets' }).click();
    await page.waitForURL(/\/orders\//);
    const number = (await page.locator('.order-number').textContent())!;
    expect(number).toMatch(/^KO-[0-9A-F]{12}$/);
    const summary = (await page.locator('.order-summary').textContent())!;
    expect(summary).toContain('Choice Night');
    expect(summary).toContain('1 Concert Lane');
    expect(summary).toMatch(/Europe\/London/);
    expect(summary).toContain('3 × £35.00');
    expect(summary).toContain('£105.00');
    expect(await page.getByRole('link', { name: 'Add to calendar' }).count()).toBe(1);
    // Share hands the event's own address to the system share sheet (stubbed: headless has none).
    await page.evaluate(() => {
      Object.assign(navigator, {
        share: (data: ShareData) => {
          (window as unknown as { shared: ShareData }).shared = data;
          return Promise.resolve();
        },
      });
    });
    await page.getByRole('button', { name: 'Share' }).click();
    expect(await page.evaluate(() => (window as unknown as { shared?: ShareData }).shared)).toEqual(
      { title: 'Choice Night', url: `${new URL(page.url()).origin}/events/${event.id}` },
    );
    expect(await page.locator('[data-testid=ticket] img').count()).toBe(3);
    await screenshot(page, 'order-confirmation');

    // The same number on the profile and on the event page's "You have N tickets".
    await page.goto('/profile');
    await page.locator('.orders tbody tr', { hasText: number }).waitFor();
    await page.goto(`/events/${event.id}`);
    await page.getByText('You have 3 tickets for this event.').waitFor();
  });
});

describe('a sale window', () => {
  it('opens on the page at its start through eventUpdated, with the visitor’s clock stopped', async () => {
    const opensAt = Date.now() + 15_000;
    const event = await createEvent(e2e.stack, organizer, {
      title: 'Doors At Noon',
      tiers: [
        {
          name: 'Early bird',
          priceCents: 1500,
          capacity: 20,
          salesStartAt: new Date(opensAt).toISOString(),
        },
      ],
    });
    const { page } = await open({ as: fan });
    // The page's clock stands still (timers still run): no clock of its own can open the sale.
    await page.clock.setFixedTime(new Date());
    await page.goto(`/events/${event.id}`);
    const tier = page.locator('.tier-option', { hasText: 'Early bird' });
    await tier.waitFor();
    expect(await tier.locator('input').isDisabled()).toBe(true);
    expect(await tier.textContent()).toContain('On sale');
    await page.getByText('Tickets are not on sale yet.').waitFor();
    // The start comes: the subscriptions service pushes the tier on sale, and it opens.
    await page.locator('.tier-option:not(.disabled)', { hasText: 'Early bird' }).waitFor({
      timeout: opensAt - Date.now() + 15_000,
    });
    expect(Date.now()).toBeGreaterThanOrEqual(opensAt);
    expect(await tier.textContent()).toContain('20 left');
    await page.getByRole('button', { name: 'Reserve 1 ticket' }).waitFor();
  });
});

describe('every page', () => {
  it('fits a 360 px phone without horizontal scroll and passes axe (home, event, profile, confirmation, sign-in, the organizer’s dashboard)', async () => {
    const event = await createEvent(e2e.stack, organizer, {
      title: 'A Rather Long Event Title For A Narrow Phone Screen Indeed',
      address: 'Avenida da Liberdade 245, 1250-143 Lisboa',
      tiers: [{ name: 'General admission', priceCents: 1999, capacity: 100 }],
    });
    await buy(event.tierIds[0]!, 2);
    const { order } = await call<{ order: { id: string } }>(
      e2e.stack.urls.tickets!,
      'mutation($i: PurchaseInput!) { order: purchaseTickets(input: $i) { id } }',
      { i: { tierId: event.tierIds[0]!, quantity: 1, idempotencyKey: `axe-${Date.now()}` } },
      fan.token,
    );
    const { page } = await open({ as: fan, device: NARROW_PHONE });
    const pages: Array<[string, string, string]> = [
      ['home', '/', '.event-card'],
      ['event', `/events/${event.id}`, '.buy-panel'],
      ['profile', '/profile', '.orders'],
      ['confirmation', `/orders/${order.id}`, '.order-summary'],
    ];
    const found: Record<string, { overflow: number; violations: string[] }> = {};
    for (const [name, path, ready] of pages) {
      await page.goto(path);
      await page.locator(ready).first().waitFor();
      found[name] = { overflow: await overflow(page), violations: await axeViolations(page) };
      await screenshot(page, `phone-360-${name}`);
    }
    // Signed out: the sign-in page.
    const signedOut = await open({ device: NARROW_PHONE });
    await signedOut.page.goto('/signin');
    await signedOut.page.locator('form').first().waitFor();
    found.signin = {
      overflow: await overflow(signedOut.page),
      violations: await axeViolations(signedOut.page),
    };
    // The organizer's side of the same event: its tier, attendee and check-in tables.
    const organizerPhone = await open({ as: organizer, device: NARROW_PHONE });
    await organizerPhone.page.goto(`/dashboard/events/${event.id}`);
    await organizerPhone.page.locator('.tiers-table').waitFor();
    await organizerPhone.page.locator('.attendee-table').waitFor();
    found.dashboard = {
      overflow: await overflow(organizerPhone.page),
      violations: await axeViolations(organizerPhone.page),
    };
    await screenshot(organizerPhone.page, 'phone-360-dashboard');
    expect(found).toEqual({
      home: { overflow: 0, violations: [] },
      event: { overflow: 0, violations: [] },
      profile: { overflow: 0, violations: [] },
      confirmation: { overflow: 0, violations: [] },
      signin: { overflow: 0, violations: [] },
      dashboard: { overflow: 0, violations: [] },
    });
    // On the phone the filters fold away: the first event shows on the first screen.
    await page.goto('/');
    const first = await page.locator('.event-card').first().boundingBox();
    expect(first!.y).toBeLessThan(740);
  });
});
