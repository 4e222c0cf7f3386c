// The organizer's dashboard in headless Chromium against the real stack: landing on it after
// sign-in, editing an event and its tiers (with the API's CONFLICT shown), deleting a draft,
// and choosing an event on a phone.
import { call, PHONE, screenshot, startE2E, type E2E } from './support/e2e';
import { createEvent, readEvent, registerAccount } from './support/fixtures';
import { pagesOf } from './support/pages';

jest.setTimeout(180_000);

let e2e: E2E;
const open = pagesOf(() => e2e);

beforeAll(async () => {
  e2e = await startE2E();
}, 300_000);

afterAll(async () => {
  await e2e?.stop();
});

const organizerNamed = (name: string) =>
  registerAccount(e2e.stack, {
    email: `${name.toLowerCase().replace(/\W+/g, '.')}@organizers.test`,
    name,
    role: 'ORGANIZER',
  });

describe('the organizer dashboard', () => {
  it('greets a new organizer after sign-in with how to start', async () => {
    const newcomer = await organizerNamed('Nina Newcomer');
    const { page } = await open();
    await page.goto('/signin');
    await page.getByLabel('Email').fill(newcomer.email);
    await page.getByLabel('Password').fill(newcomer.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(/\/dashboard$/);
    await page.getByTestId('dashboard-welcome').waitFor();
    await page.getByRole('link', { name: 'Create your first event' }).click();
    await page.waitForURL(/\/dashboard\/new$/);
  });

  it('edits every detail of an event and its tier, shows a refused capacity plainly, and deletes a draft', async () => {
    const organizer = await organizerNamed('Edda Editor');
    const fan = await registerAccount(e2e.stack, {
      email: 'edda.fan@fans.test',
      name: 'Fay Fan',
      role: 'FAN',
    });
    const event = await createEvent(e2e.stack, organizer, {
      title: 'Spring Recital',
      timeZone: 'Europe/Lisbon',
      tiers: [{ name: 'Stalls', priceCents: 3000, capacity: 50 }],
    });
    await call(
      e2e.stack.urls.tickets!,
      'mutation($i: PurchaseInput!) { purchaseTickets(input: $i) { id } }',
      { i: { tierId: event.tierIds[0], quantity: 3, idempotencyKey: 'edda-1' } },
      fan.token,
    );

    const { page } = await open({ as: organizer });
    await page.goto('/dashboard');
    // The overview: the upcoming event with what it sold and earned, in its currency.
    const row = page.getByTestId('overview-row').filter({ hasText: 'Spring Recital' });
    await row.waitFor();
    expect(await row.innerText()).toMatch(/3 \/ 50[\s\S]*6%[\s\S]*€90\.00/);
    await row.getByRole('link', { name: 'Spring Recital' }).click();
    await page.getByRole('heading', { name: 'Spring Recital' }).waitFor();

    await page.getByRole('button', { name: 'Edit details' }).click();
    const form = page.locator('form', {
      has: page.getByRole('heading', { name: 'Edit event details' }),
    });
    await form.getByLabel('Title').fill('Autumn Recital');
    await form.getByLabel('Description').fill('Moved to the autumn, in a bigger hall.');
    await form.getByLabel('Category').fill('Classical');
    await form.getByLabel('Venue').fill('Grande Auditório');
    await form.getByLabel('City').fill('Lisbon');
    await form.getByLabel('Street address (optional)').fill('Av. de Berna 45A');
    await form.getByLabel('Time zone').selectOption('Atlantic/Azores');
    await form.getByLabel('Starts at').fill('2031-10-02T21:00');
    // The currency is fixed once published.
    expect(await form.getByLabel('Currency').isDisabled()).toBe(true);
    await form.getByRole('button', { name: 'Save changes' }).click();
    await page.getByRole('heading', { name: 'Autumn Recital' }).waitFor();
    expect(await readEvent(e2e.stack, event.id, organizer.token)).toEqual({
      title: 'Autumn Recital',
      venue: 'Grande Auditório',
      city: 'Lisbon',
      address: 'Av. de Berna 45A',
      timeZone: 'Atlantic/Azores',
      // 21:00 in the Azores (UTC+0 in October) is 21:00 UTC.
      startsAt: '2031-10-02T21:00:00.000Z',
      status: 'ON_SALE',
    });

    // The same rules as creating: a start in the past is refused, in words.
    await page.getByRole('button', { name: 'Edit details' }).click();
    await form.getByLabel('Starts at').fill('2020-01-01T20:00');
    await form.getByRole('button', { name: 'Save changes' }).click();
    await form.getByRole('alert').filter({ hasText: 'must be in the future' }).waitFor();
    await form.getByRole('button', { name: 'Discard' }).click();

    // A tier: its price is fixed after the first sale; its capacity cannot go below what sold.
    await page.getByRole('button', { name: 'Edit tier Stalls' }).click();
    const tierForm = page.locator('form', {
      has: page.getByRole('heading', { name: 'Edit “Stalls”' }),
    });
    expect(await tierForm.getByLabel('Price (EUR)').isDisabled()).toBe(true);
    await tierForm.getByLabel('Capacity').fill('2');
    await tierForm.getByRole('button', { name: 'Save tier' }).click();
    await tierForm
      .getByRole('alert')
      .filter({ hasText: 'cannot go below the 3 places sold' })
      .waitFor();
    await tierForm.getByRole('button', { name: 'Use 3, the lowest allowed' }).click();
    await tierForm.getByLabel('Tier name').fill('Orchestra');
    await tierForm.getByRole('button', { name: 'Save tier' }).click();
    const tierRow = page.locator('[data-testid="tier-row"]', { hasText: 'Orchestra' });
    await tierRow.waitFor();
    expect(await tierRow.getByTestId('tier-sold').innerText()).toBe('3 / 3');
    await screenshot(page, 'dashboard-editing');

    // A draft goes after a confirmation, and with it its place in the list.
    const draft = await createEvent(e2e.stack, organizer, {
      title: 'Scrapped Idea',
      publish: false,
    });
    await page.goto(`/dashboard/events/${draft.id}`);
    await page.getByRole('heading', { name: 'Scrapped Idea' }).waitFor();
    await page.getByRole('button', { name: 'Delete draft' }).click();
    await page.getByRole('button', { name: 'Yes, delete draft' }).click();
    await page.waitForURL(/\/dashboard$/);
    await page.getByTestId('dashboard-overview').waitFor();
    // Gone from the event list and the overview alike (both may still show it for a moment).
    await page.waitForFunction(
      () =>
        ![...document.querySelectorAll('a')].some((a) => a.textContent?.includes('Scrapped Idea')),
    );
    expect(await readEvent(e2e.stack, draft.id, organizer.token)).toBeNull();
  });

  it('on a phone, choosing an event shows that event rather than the top of the list', async () => {
    const organizer = await organizerNamed('Petra Phone');
    const titles = Array.from({ length: 10 }, (_, i) => `Phone Night ${i + 1}`);
    for (const [i, title] of titles.entries())
      await createEvent(e2e.stack, organizer, {
        title,
        startsAt: new Date(Date.now() + (20 + i) * 86_400_000).toISOString(),
        tiers: [{ name: 'GA', priceCents: 1000, capacity: 10 }],
      });
    const { page } = await open({ device: PHONE, as: organizer });
    await page.goto('/dashboard');
    const panelInView = (title: string) =>
      page.evaluate((wanted) => {
        const heading = [...document.querySelectorAll('[data-testid="dashboard-panel"] h2')].find(
          (h) => h.textContent === wanted,
        );
        if (!heading) return false;
        const box = heading.getBoundingClientRect();
        return box.top >= 0 && box.bottom <= window.innerHeight;
      }, title);
    for (const title of [titles[0]!, titles[9]!]) {
      await page
        .getByRole('complementary', { name: 'Your events' })
        .getByRole('link', { name: new RegExp(`${title}\\b`) })
        .click();
      await page.getByRole('heading', { name: title, exact: true }).waitFor();
      await page
        .waitForFunction(
          (wanted) => {
            const heading = [
              ...document.querySelectorAll('[data-testid="dashboard-panel"] h2'),
            ].find((h) => h.textContent === wanted);
            const box = heading?.getBoundingClientRect();
            return box !== undefined && box.top >= 0 && box.bottom <= window.innerHeight;
          },
          title,
          { timeout: 10_000 },
        )
        .catch(() => undefined);
      expect(await panelInView(title)).toBe(true);
      // Back to the list, as a phone user would scroll.
      await page.evaluate(() => window.scrollTo(0, 0));
    }
    await screenshot(page, 'dashboard-phone');
  });
});
