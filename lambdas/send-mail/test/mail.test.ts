import { randomUUID } from 'node:crypto';
import { basename } from 'node:path';
import { Client as Pg } from 'pg';
import jsQR from 'jsqr';
import {
  errorCodes,
  eventually,
  graphql,
  inParallel,
  kafkaClient,
  Mailbox,
  RouterClient,
  startStack,
  testInfrastructure,
  type Stack,
} from '@ko/platform/testing';
import { inspectPdf } from '../../render-tickets/test/pdf-inspect';

// The platform's mail, read from the real inbox (MailDev's REST API) after going through the
// router: the welcome and its verification link, the receipt with its PDF and calendar file,
// cancellations to every holder exactly once, delivery after a mail server outage, and the
// password reset flow.

const ME = '{ me { id emailVerified } }';
const VERIFY = 'mutation($t: String!) { verifyEmail(token: $t) { id emailVerified } }';
const REQUEST_RESET = 'mutation($e: String!) { requestPasswordReset(email: $e) }';
const RESET = `mutation($t: String!, $p: String!) {
  resetPassword(token: $t, newPassword: $p) { token user { id emailVerified } }
}`;
const LOGIN = 'mutation($e: String!, $p: String!) { login(email: $e, password: $p) { token } }';
const CANCEL = 'mutation($id: ID!) { cancelEvent(id: $id) { id status } }';

// Mail arrives in the background: every test waits generously (mailbox.waitFor) for it.
jest.setTimeout(300_000);

let stack: Stack;
let url: string;
let client: RouterClient;
let mailbox: Mailbox;
let organizer: { token: string; id: string };

beforeAll(async () => {
  stack = await startStack({
    ...testInfrastructure(),
    services: ['users', 'events', 'tickets', 'mailbox', 'lambda-runner', 'mail', 'router'],
    // Short retries: an outage test should not wait half a minute between attempts.
    serviceEnv: { mail: { EVENT_SOURCE_RETRY_MAX_MS: '2000', EVENT_SOURCE_MAX_ATTEMPTS: '60' } },
  });
  url = stack.routerUrl;
  client = new RouterClient(url);
  mailbox = new Mailbox(stack.mailboxUrl!);
  organizer = await client.account('ORGANIZER');
}, 180_000);

afterAll(async () => {
  await stack?.stop({ dropDatabases: true });
});

/** A fan who signs up through the router: the welcome mail goes to their fresh address. */
const signUp = (password?: string) => client.account('FAN', 'Mila Mail', { password });

/** Rows of the mail function's record, by status, for one kind of message. */
async function records(kind: string): Promise<Record<string, number>> {
  const db = new Pg({ connectionString: stack.databaseUrls.mail });
  await db.connect();
  try {
    const { rows } = await db.query<{ status: string; n: number }>(
      'SELECT status, count(*)::int AS n FROM sent_mail WHERE kind = $1 GROUP BY status',
      [kind],
    );
    return Object.fromEntries(rows.map((r) => [r.status, r.n]));
  } finally {
    await db.end();
  }
}

/**
 * Stops the mail event source, moves its group back to the start of `events.lifecycle`, starts
 * it again and waits until it has read (and committed) everything there once more.
 */
async function redeliverEventsLifecycle(): Promise<void> {
  const { kafkaBrokers, kafkaCredentials } = testInfrastructure();
  const admin = kafkaClient({
    brokers: kafkaBrokers,
    login: kafkaCredentials.services.mail,
  }).admin();
  const groupId = `mail.${basename(stack.workDir)}`;
  const topic = 'events.lifecycle';
  const [source] = stack.instances('mail');
  await admin.connect();
  try {
    await source.stop();
    // The member killed earlier leaves the group only when its session times out.
    await eventually(
      'the group empty, its offsets moved back',
      () =>
        admin.resetOffsets({ groupId, topic, earliest: true }).then(
          () => true,
          () => false,
        ),
      (moved) => moved,
      120_000,
    );
    await source.start(60_000);
    const ends = await admin.fetchTopicOffsets(topic);
    await eventually(
      'the event source caught up again',
      async () => (await admin.fetchOffsets({ groupId, topics: [topic] }))[0].partitions,
      (partitions) =>
        ends.every((end) =>
          partitions.some(
            (p) => p.partition === end.partition && Number(p.offset) >= Number(end.high),
          ),
        ),
      120_000,
    );
  } finally {
    await admin.disconnect();
  }
}

describe('welcome and verification', () => {
  it('mails a link on sign-up that verifies the address', async () => {
    const fan = await signUp();
    expect((await graphql(url, ME, {}, fan.token)).data?.me.emailVerified).toBe(false);
    const [welcome] = await mailbox.waitFor(fan.email, 'welcome');
    expect(welcome.subject).toMatch(/Welcome to KO Ticket Master/);
    expect(welcome.html).toContain('KO Ticket Master');
    const token = mailbox.linkToken(welcome, '/verify-email');

    const verified = await graphql(url, VERIFY, { t: token });
    expect(verified.errors).toBeUndefined();
    expect(verified.data?.verifyEmail).toEqual({ id: fan.id, emailVerified: true });
    expect((await graphql(url, ME, {}, fan.token)).data?.me.emailVerified).toBe(true);
    // The link works once.
    const again = await graphql(url, VERIFY, { t: token });
    expect(errorCodes(again)).toEqual(['BAD_USER_INPUT']);
    expect(again.errors![0].message).toMatch(/already used/);
  });
});

describe('receipts', () => {
  it("mails one receipt with the tickets as a PDF and the event as an .ics in the venue's clock", async () => {
    const event = await client.event(
      organizer.token,
      [{ name: 'Balcony', priceCents: 4_250, capacity: 20 }],
      {
        title: 'Harbour Lights',
        // 23:30 UTC is 19:30 in New York in July (EDT).
        startsAt: '2031-07-04T23:30:00.000Z',
        timeZone: 'America/New_York',
        currency: 'EUR',
        address: '1 Pier Road',
      },
    );
    const fan = await signUp();
    const bought = await client.purchase(fan.token, event.tiers[0].id, 2);
    expect(bought.errors).toBeUndefined();
    const order = bought.data!.purchaseTickets as { id: string; tickets: Array<{ code: string }> };

    const [receipt] = await mailbox.waitFor(fan.email, 'receipt');
    expect(receipt.subject).toMatch(/Harbour Lights/);
    for (const part of [
      'Balcony',
      'Quantity: 2',
      '€85.00',
      'Friday, 4 July 2031 at 19:30',
      'The Arena',
      'America/New_York',
    ])
      expect(receipt.text).toContain(part);

    const pdfName = receipt.attachments!.find((a) => a.contentType === 'application/pdf')!.filename;
    const pdf = await inspectPdf(await mailbox.attachment(receipt, pdfName));
    const decoded = pdf.map((page) => {
      const image = page.images[0];
      return jsQR(image.rgba, image.width, image.height)?.data;
    });
    expect(decoded.sort()).toEqual(order.tickets.map((t) => t.code).sort());

    const ics = (await mailbox.attachment(receipt, 'event.ics')).toString('utf8');
    expect(ics).toMatch(/DTSTART;TZID=America\/New_York:20310704T193000/);

    // One receipt, even after a while (the fact is read once per consumer, recorded once).
    await eventually(
      'the receipt recorded as sent',
      () => records('receipt'),
      (r) => (r.sent ?? 0) >= 1,
    );
    expect(await mailbox.to(fan.email, 'receipt')).toHaveLength(1);
  });

  it('sends the receipt after the purchase when the mail server was down during it', async () => {
    const event = await client.event(organizer.token, [
      { name: 'Floor', priceCents: 1_000, capacity: 10 },
    ]);
    const fan = await signUp();
    await mailbox.waitFor(fan.email, 'welcome');
    const [box] = stack.instances('mailbox');
    await box.stop();
    try {
      const bought = await client.purchase(fan.token, event.tiers[0].id, 1);
      expect(bought.errors).toBeUndefined();
      expect(bought.data!.purchaseTickets.status).toBe('CONFIRMED');
    } finally {
      await box.start(60_000);
    }
    const [receipt] = await mailbox.waitFor(fan.email, 'receipt', 1, 120_000);
    expect(receipt.subject).toMatch(/Night at the Arena/);
  });
});

describe('password reset', () => {
  it('mails a single-use link that sets a new password and ends the other sessions', async () => {
    const fan = await signUp('old-password-1');
    // Known and unknown addresses get the same answer.
    expect((await graphql(url, REQUEST_RESET, { e: fan.email })).data).toEqual({
      requestPasswordReset: true,
    });
    const nobody = `nobody-${randomUUID()}@example.com`;
    expect((await graphql(url, REQUEST_RESET, { e: nobody })).data).toEqual({
      requestPasswordReset: true,
    });

    const [mail] = await mailbox.waitFor(fan.email, 'password-reset');
    expect(mail.text).toMatch(/30 minutes/);
    const token = mailbox.linkToken(mail, '/reset-password');

    const reset = await graphql(url, RESET, { t: token, p: 'new-password-2' });
    expect(reset.errors).toBeUndefined();
    const fresh = reset.data!.resetPassword as {
      token: string;
      user: { id: string; emailVerified: boolean };
    };
    expect(fresh.user).toEqual({ id: fan.id, emailVerified: true });

    // The new token works; the session from before the reset does not.
    expect((await graphql(url, ME, {}, fresh.token)).data?.me.id).toBe(fan.id);
    await eventually(
      'the old session refused',
      async () => errorCodes(await graphql(url, ME, {}, fan.token)),
      (codes) => codes.includes('UNAUTHENTICATED'),
      60_000,
    );
    expect(errorCodes(await graphql(url, LOGIN, { e: fan.email, p: 'old-password-1' }))).toEqual([
      'UNAUTHENTICATED',
    ]);
    expect(
      (await graphql(url, LOGIN, { e: fan.email, p: 'new-password-2' })).data?.login.token,
    ).toEqual(expect.any(String));

    // The link works once; a made-up one never.
    const again = await graphql(url, RESET, { t: token, p: 'third-password-3' });
    expect(errorCodes(again)).toEqual(['BAD_USER_INPUT']);
    expect(again.errors![0].message).toMatch(/already used/);
    const madeUp = await graphql(url, RESET, { t: 'x'.repeat(43), p: 'third-password-3' });
    expect(errorCodes(madeUp)).toEqual(['BAD_USER_INPUT']);
    expect(madeUp.errors![0].message).toMatch(/not valid/);

    // Nothing went to the unknown address.
    expect(await mailbox.to(nobody)).toHaveLength(0);
  });
});

describe('cancellation', () => {
  it('tells each of 50 holders exactly once, though the event source is killed halfway', async () => {
    const event = await client.event(
      organizer.token,
      [{ name: 'Standing', priceCents: 2_000, capacity: 60 }],
      {
        title: 'Fifty Friends',
      },
    );
    // A few at a time: each sign-up hashes a password (argon2), on a small shared machine.
    const fans = await inParallel(Array.from({ length: 50 }), 3, () => signUp());
    for (const fan of fans) {
      const bought = await client.purchase(fan.token, event.tiers[0].id, 1);
      expect(bought.errors).toBeUndefined();
    }
    // Every holder is known to the mail function once their receipt is out.
    for (const fan of fans) await mailbox.waitFor(fan.email, 'receipt', 1, 180_000);

    await client.ok(CANCEL, { id: event.id }, organizer.token);
    const cancelled = async () =>
      (await mailbox.all()).filter(
        (m) =>
          m.headers['x-ko-mail-kind'] === 'event-cancelled' && m.subject.includes('Fifty Friends'),
      );
    await eventually('the first cancellation mails', cancelled, (m) => m.length >= 5, 120_000);
    // A crash of the sender's event source halfway: the batch is invoked again after the restart.
    const [source] = stack.instances('mail');
    await source.kill();
    await source.start(60_000);

    await eventually('50 cancellation mails', cancelled, (m) => m.length >= 50, 180_000);
    await eventually(
      'every cancellation recorded as sent',
      () => records('event-cancelled'),
      (r) => r.sent === 50 && !r.sending,
      120_000,
    );
    // Kafka delivers the cancellation again (the group's offsets moved back): nobody hears twice.
    await redeliverEventsLifecycle();
    const mails = await cancelled();
    expect(mails).toHaveLength(50);
    expect(new Set(mails.map((m) => m.to[0].address))).toEqual(new Set(fans.map((f) => f.email)));
    expect(mails[0].text).toMatch(/refunded in full/);
  }, 600_000);
});
