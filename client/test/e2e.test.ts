// The web client end to end: headless Chromium (Debian's, via playwright-core) against the real
// stack behind the router, with the client served by serve.ts exactly as `npm start` serves it.
// Screenshots of the main pages land in .data/screenshots/ for review.
import { readFileSync } from 'node:fs';
import QRCode from 'qrcode';
import type { BrowserContext, Page } from 'playwright-core';
import { call, DESKTOP, newPage, PHONE, screenshot, startE2E, type E2E } from './support/e2e';
import { createEvent, registerAccount, type Account } from './support/fixtures';

jest.setTimeout(180_000);

let e2e: E2E;
let organizer: Account;
const contexts: BrowserContext[] = [];

beforeAll(async () => {
  e2e = await startE2E();
  organizer = await registerAccount(e2e.stack, {
    email: 'aurora@organizers.test',
    name: 'Aurora Live',
    role: 'ORGANIZER',
  });
}, 300_000);

afterEach(async () => {
  await Promise.all(contexts.splice(0).map((c) => c.close().catch(() => undefined)));
});

afterAll(async () => {
  await e2e?.stop();
});

async function open(device: typeof DESKTOP | typeof PHONE = DESKTOP, as?: Account) {
  const opened = await newPage(e2e, device);
  contexts.push(opened.context);
  if (as) {
    // A remembered session: the token the client keeps in localStorage.
    await opened.page.goto('/');
    await opened.page.evaluate((token) => localStorage.setItem('ko.token', token), as.token);
  }
  return opened;
}

/** What the tickets service says a user owns (straight from the subgraph, not the page). */
async function ticketsOf(
  account: Account,
): Promise<
  Array<{ id: string; code: string; status: string; tier: { name: string }; event: { id: string } }>
> {
  const data = await call<{
    _entities: Array<{
      tickets: Array<{
        id: string;
        code: string;
        status: string;
        tier: { name: string };
        event: { id: string };
      }>;
    }>;
  }>(
    e2e.stack.urls.tickets!,
    'query($r: [_Any!]!) { _entities(representations: $r) { ... on User { tickets { id code status tier { name } event { id } } } } }',
    { r: [{ __typename: 'User', id: account.id }] },
    account.token,
  );
  return data._entities[0]!.tickets;
}

async function tierAvailability(eventId: string): Promise<Record<string, number>> {
  const data = await call<{
    _entities: Array<{ tiers: Array<{ name: string; available: number }> }>;
  }>(
    e2e.stack.urls.tickets!,
    'query($r: [_Any!]!) { _entities(representations: $r) { ... on Event { tiers { name available } } } }',
    { r: [{ __typename: 'Event', id: eventId }] },
  );
  return Object.fromEntries(data._entities[0]!.tiers.map((t) => [t.name, t.available]));
}

/** A QR code's modules as '1'/'0' rows, as the qrcode package lays them out. */
function qrBits(code: string): { size: number; bits: string } {
  const { modules } = QRCode.create(code, { errorCorrectionLevel: 'M' });
  let bits = '';
  for (let row = 0; row < modules.size; row++)
    for (let col = 0; col < modules.size; col++) bits += modules.get(row, col) ? '1' : '0';
  return { size: modules.size, bits };
}

/** Runs in the page: samples the centre of every module of each QR <img> (drawn with a 1-module margin). */
function readQrImages(images: Element[], size: number): string[] {
  return images.map((element) => {
    const img = element as HTMLImageElement;
    const canvas = document.createElement('canvas');
    canvas.width = img.naturalWidth;
    canvas.height = img.naturalHeight;
    const context = canvas.getContext('2d')!;
    context.drawImage(img, 0, 0);
    const pixels = context.getImageData(0, 0, canvas.width, canvas.height).data;
    const scale = canvas.width / (size + 2);
    let bits = '';
    for (let row = 0; row < size; row++) {
      for (let col = 0; col < size; col++) {
        const x = Math.floor((col + 1.5) * scale);
        const y = Math.floor((row + 1.5) * scale);
        bits += pixels[(y * canvas.width + x) * 4]! < 128 ? '1' : '0';
      }
    }
    return bits;
  });
}

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
    orchestra = await createEvent(e2e.stack, organizer, {
      title: 'Midnight Orchestra',
      category: 'Music',
      city: 'Porto',
      venue: 'Coliseu',
      tiers: [
        { name: 'General Admission', priceCents: 4500, capacity: 100 },
        { name: 'VIP', priceCents: 12000, capacity: 1 },
      ],
    });
    await createEvent(e2e.stack, organizer, {
      title: 'River Jazz',
      category: 'Music',
      city: 'Lisbon',
      tiers: [{ name: 'Standing', priceCents: 2500, capacity: 50 }],
    });
    await createEvent(e2e.stack, organizer, {
      title: 'Derby Day',
      category: 'Sports',
      city: 'Porto',
      tiers: [{ name: 'Stand', priceCents: 3000, capacity: 50 }],
    });
    await createEvent(e2e.stack, organizer, { title: 'Unpublished Rehearsal', publish: false });
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
      e2e.stack.urls.users!,
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

    const owned = await ticketsOf(fan);
    expect(owned).toHaveLength(2);
    expect(
      owned.every(
        (t) =>
          t.status === 'VALID' &&
          t.tier.name === 'General Admission' &&
          t.event.id === orchestra.id,
      ),
    ).toBe(true);
    expect((await tierAvailability(orchestra.id))['General Admission']).toBe(98);

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
    const fan = await registerAccount(e2e.stack, {
      email: 'slow@fans.test',
      name: 'Slow Sam',
      role: 'FAN',
    });
    const rival = await registerAccount(e2e.stack, {
      email: 'quick@fans.test',
      name: 'Quick Quinn',
      role: 'FAN',
    });
    const { page } = await open(DESKTOP, fan);
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
      e2e.stack.urls.tickets!,
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
    expect(await ticketsOf(fan)).toHaveLength(0);
  });

  it('browses page by page, and gets a clear empty state', async () => {
    for (let i = 1; i <= 13; i++) {
      await createEvent(e2e.stack, organizer, {
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
    const { page, problems } = await open(PHONE);
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

describe('the live chat', () => {
  let night: { id: string; tierIds: string[] };
  let fan: Account;

  beforeAll(async () => {
    night = await createEvent(e2e.stack, organizer, {
      title: 'Chat Night',
      category: 'Comedy',
      city: 'Braga',
      tiers: [{ name: 'Seat', priceCents: 2000, capacity: 100 }],
    });
    fan = await registerAccount(e2e.stack, {
      email: 'chatty@fans.test',
      name: 'Chatty Cat',
      role: 'FAN',
    });
    // 35 messages of history from four people (each under the rate limit).
    const historians: Account[] = [];
    for (let n = 0; n < 4; n++)
      historians.push(
        await registerAccount(e2e.stack, {
          email: `history${n}@fans.test`,
          name: `Early Bird ${n}`,
          role: 'FAN',
        }),
      );
    for (let i = 0; i < 35; i++) {
      await call(
        e2e.stack.urls.chat!,
        'mutation($e: ID!, $b: String!) { postMessage(eventId: $e, body: $b) { id } }',
        { e: night.id, b: `history message ${i + 1}` },
        historians[i % 4]!.token,
      );
    }
  });

  it('shows messages and announcements live in both directions, as text, and deletions everywhere', async () => {
    const fanSide = await open(DESKTOP, fan);
    const orgSide = await open(DESKTOP, organizer);
    const dialogs: string[] = [];
    for (const { page } of [fanSide, orgSide]) {
      page.on('dialog', (d) => {
        dialogs.push(d.message());
        void d.dismiss();
      });
      await page.goto(`/events/${night.id}`);
    }
    const messages = (page: Page) => page.locator('[data-testid="chat-message"]');
    // Newest page first; older ones on request.
    await fanSide.page.waitForFunction(
      () => document.querySelectorAll('[data-testid="chat-message"]').length === 30,
      undefined,
      { timeout: 15_000 },
    );
    expect(await messages(fanSide.page).first().innerText()).toContain('history message 6');
    // Scrolling to the button loads older messages by itself (an IntersectionObserver), which
    // replaces the button while a click is under way; a click loads them where it does not.
    const loadOlder = fanSide.page.getByRole('button', { name: 'Load older messages' });
    await loadOlder.scrollIntoViewIfNeeded();
    await loadOlder.click({ timeout: 2_000 }).catch(() => undefined);
    await fanSide.page.waitForFunction(
      () => document.querySelectorAll('[data-testid="chat-message"]').length === 35,
      undefined,
      { timeout: 15_000 },
    );
    expect(await messages(fanSide.page).first().innerText()).toContain('history message 1');
    await orgSide.page.waitForFunction(
      () => document.querySelectorAll('[data-testid="chat-message"]').length === 30,
      undefined,
      { timeout: 15_000 },
    );

    // Fan → organizer, live.
    const composer = (page: Page) => page.getByRole('textbox', { name: 'Your message' });
    await composer(fanSide.page).fill('Hello from Chatty!');
    await composer(fanSide.page).press('Enter');
    await orgSide.page
      .locator('[data-testid="chat-message"]', { hasText: 'Hello from Chatty!' })
      .waitFor({ timeout: 15_000 });

    // Organizer → fan: a message, then an announcement pinned at the top and marked as theirs.
    await composer(orgSide.page).fill('Welcome, everyone');
    await orgSide.page.getByRole('button', { name: 'Send' }).click();
    const orgLine = fanSide.page.locator('[data-testid="chat-message"]', {
      hasText: 'Welcome, everyone',
    });
    await orgLine.waitFor({ timeout: 15_000 });
    expect(await orgLine.innerText()).toContain('Organizer');
    await orgSide.page.getByLabel('Post as announcement').check();
    await orgSide.page.getByRole('textbox', { name: 'Announcement' }).fill('Doors open at 19:00');
    await orgSide.page.getByRole('button', { name: 'Announce' }).click();
    const pinned = fanSide.page.locator('[data-testid="announcement"]', {
      hasText: 'Doors open at 19:00',
    });
    await pinned.waitFor({ timeout: 15_000 });
    expect(await pinned.innerText()).toContain('Organizer announcement');
    expect(await pinned.innerText()).toContain('Aurora Live');

    // Markup in a message is shown as the characters typed, and runs nothing.
    const payload = `<script>window.__pwned = 'script'</script><img src="x" onerror="window.__pwned = 'img'; alert('xss')">`;
    await composer(fanSide.page).fill(payload);
    await composer(fanSide.page).press('Enter');
    for (const { page } of [fanSide, orgSide]) {
      const line = page.locator('[data-testid="chat-message"]', {
        hasText: "<script>window.__pwned = 'script'</script>",
      });
      await line.waitFor({ timeout: 15_000 });
      expect(await line.locator('.message-body').innerText()).toBe(payload);
      expect(await page.locator('.messages img, .messages script').count()).toBe(0);
      expect(
        await page.evaluate(() => (window as unknown as { __pwned?: string }).__pwned),
      ).toBeUndefined();
    }
    expect(dialogs).toEqual([]);
    await screenshot(fanSide.page, 'chat-fan');
    await screenshot(orgSide.page, 'chat-organizer');

    // The fan deletes their own message: it disappears on both pages.
    const own = fanSide.page.locator('[data-testid="chat-message"]', {
      hasText: 'Hello from Chatty!',
    });
    await own.getByRole('button', { name: 'Delete your message' }).click();
    await own.waitFor({ state: 'detached', timeout: 15_000 });
    await orgSide.page
      .locator('[data-testid="chat-message"]', { hasText: 'Hello from Chatty!' })
      .waitFor({ state: 'detached', timeout: 15_000 });
    const stored = await call<{
      _entities: Array<{ messages: { edges: Array<{ node: { body: string } }> } }>;
    }>(
      e2e.stack.urls.chat!,
      'query($r: [_Any!]!) { _entities(representations: $r) { ... on Event { messages(first: 10) { edges { node { body } } } } } }',
      { r: [{ __typename: 'Event', id: night.id }] },
    );
    const bodies = stored._entities[0]!.messages.edges.map((e) => e.node.body);
    expect(bodies).toContain(payload);
    expect(bodies).not.toContain('Hello from Chatty!');

    expect(fanSide.problems).toEqual([]);
    expect(orgSide.problems).toEqual([]);
  });

  it('says plainly when a fan is posting too fast', async () => {
    const quick = await registerAccount(e2e.stack, {
      email: 'spammy@fans.test',
      name: 'Spammy Sue',
      role: 'FAN',
    });
    const { page } = await open(DESKTOP, quick);
    await page.goto(`/events/${night.id}`);
    const composer = page.getByRole('textbox', { name: 'Your message' });
    const status = page.getByText(/You're sending messages too fast, try again in \d+ s\./);
    // The chat allows 10 messages per 10 seconds: the 11th (at most a few more) is refused.
    for (let i = 1; i <= 14 && !(await status.isVisible()); i++) {
      await composer.fill(`message number ${i}`);
      await composer.press('Enter');
      await page.waitForFunction(() => {
        const box = document.querySelector('.composer textarea') as HTMLTextAreaElement | null;
        return box && (box.value === '' || document.querySelector('.composer-status')?.textContent);
      });
    }
    await status.waitFor();
    expect(await page.getByRole('button', { name: 'Send' }).isDisabled()).toBe(true);
    await screenshot(page, 'chat-rate-limited');
  });
});

describe('an organizer', () => {
  it('creates, prices and publishes an event, then sees a sale arrive live and cancels it', async () => {
    const { page, problems } = await open(DESKTOP, organizer);
    await page.goto('/dashboard');
    await page.getByRole('heading', { name: 'Your events', exact: true }).waitFor();
    await page.getByRole('link', { name: 'New event' }).click();
    await page.getByLabel('Title').fill('Dashboard Gala');
    await page.getByLabel('Description').fill('An evening of music.');
    await page.getByLabel('Category').fill('Music');
    await page.getByLabel('Starts at').fill('2031-06-01T20:00');
    await page.getByLabel('Venue').fill('Casa da Música');
    await page.getByLabel('City').fill('Porto');
    await page.getByRole('button', { name: 'Create draft' }).click();
    await page.waitForURL(/\/dashboard\/events\/[0-9a-f-]{36}$/);
    const eventId = page.url().split('/').pop()!;
    await page.getByRole('heading', { name: 'Dashboard Gala' }).waitFor();

    await page.getByLabel('Tier name').fill('Stalls');
    await page.getByLabel('Price (EUR)').fill('55');
    await page.getByLabel('Capacity').fill('40');
    await page.getByRole('button', { name: 'Add tier' }).click();
    await page.locator('[data-testid="tier-row"]', { hasText: 'Stalls' }).waitFor();
    await page.getByRole('button', { name: 'Publish' }).click();
    await page.locator('.manager .badge', { hasText: 'On sale' }).waitFor();
    const published = await call<{ event: { status: string } }>(
      e2e.stack.urls.events!,
      'query($id: ID!) { event(id: $id) { status } }',
      { id: eventId },
    );
    expect(published.event.status).toBe('ON_SALE');
    expect(await tierAvailability(eventId)).toEqual({ Stalls: 40 });
    expect(await page.getByTestId('tickets-sold').innerText()).toBe('0');

    // A fan buys two tickets in the browser; the dashboard shows it without a reload.
    const fan = await registerAccount(e2e.stack, {
      email: 'buyer@fans.test',
      name: 'Bea Buyer',
      role: 'FAN',
    });
    const fanSide = await open(DESKTOP, fan);
    await fanSide.page.goto(`/events/${eventId}`);
    await fanSide.page.getByRole('button', { name: 'One ticket more' }).click();
    await fanSide.page.getByRole('button', { name: 'Reserve 2 tickets' }).click();
    await fanSide.page.getByRole('button', { name: /^Pay €110\.00$/ }).click();
    await fanSide.page.getByRole('heading', { name: "You're going!" }).waitFor();

    await page.waitForFunction(
      () => document.querySelector('[data-testid="tickets-sold"]')?.textContent === '2',
      undefined,
      { timeout: 20_000 },
    );
    expect(await page.locator('[data-testid="tier-sold"]').innerText()).toBe('2 / 40');
    expect(await page.getByTestId('sales-feed').innerText()).toMatch(
      /2 tickets · Stalls · 38 left/,
    );
    await page.getByRole('heading', { name: 'Sales report' }).waitFor({ timeout: 30_000 });
    await page.getByText(/2 of 40 sold/).waitFor({ timeout: 30_000 });
    // The day's point is labelled with the (UTC) day of the sale, not the midnight that closes it.
    const saleDay = await page.evaluate(() =>
      new Date().toLocaleDateString(undefined, {
        weekday: 'short',
        day: 'numeric',
        month: 'short',
        year: 'numeric',
        timeZone: 'UTC',
      }),
    );
    expect(await page.locator('.report-chart text').allTextContents()).toContain(saleDay);
    await screenshot(page, 'dashboard');

    // An announcement from the dashboard reaches the event's chat.
    await page.getByRole('textbox', { name: 'Announcement' }).fill('Bar opens at 18:30');
    await page.getByRole('button', { name: 'Post announcement' }).click();
    await page.getByText('Announcement posted.').waitFor();
    await fanSide.page
      .locator('[data-testid="announcement"]', { hasText: 'Bar opens at 18:30' })
      .waitFor({ timeout: 15_000 });

    await page.getByRole('button', { name: 'Cancel event' }).click();
    await page.getByRole('button', { name: 'Yes, cancel event' }).click();
    await page.locator('.manager .badge', { hasText: 'Cancelled' }).waitFor();
    const cancelled = await call<{ event: { status: string } }>(
      e2e.stack.urls.events!,
      'query($id: ID!) { event(id: $id) { status } }',
      { id: eventId },
      organizer.token,
    );
    expect(cancelled.event.status).toBe('CANCELLED');
    expect(problems).toEqual([]);
  });
});
