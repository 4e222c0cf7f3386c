/**
 * A local mail server with a web inbox (MailDev), for `npm start` and the tests: SMTP on
 * SMTP_PORT (default 1025), the inbox and its REST API (`/api/email`, …) on PORT (default 1080),
 * both on HOST. Mail is kept in MAILBOX_DIR when set, so a restart loses nothing delivered.
 */
import { mkdirSync } from 'node:fs';

const port = (name: string, fallback: number) => {
  const raw = process.env[name];
  const value = raw ? Number(raw) : fallback;
  if (!Number.isInteger(value) || value <= 0 || value > 65_535)
    throw new Error(`${name} must be a port number, got "${raw}"`);
  return value;
};

async function main(): Promise<void> {
  // MailDev is an ES module; this package is CommonJS.
  const { MailDev } = await import('maildev');
  const host = process.env.HOST || '127.0.0.1';
  const dir = process.env.MAILBOX_DIR || undefined;
  if (dir) mkdirSync(dir, { recursive: true });
  const maildev = new MailDev({
    smtp: port('SMTP_PORT', 1025),
    ip: host,
    web: port('PORT', 1080),
    webIp: host,
    ...(dir ? { mailDirectory: dir } : {}),
    silent: process.env.LOG_LEVEL === 'silent',
  });
  await maildev.start();
  console.log(
    JSON.stringify({
      level: 30,
      name: 'mailbox',
      msg: `mailbox: SMTP on ${host}:${port('SMTP_PORT', 1025)}, inbox on http://${host}:${port('PORT', 1080)}`,
    }),
  );
  let stopping = false;
  const stop = () => {
    if (stopping) process.exit(1);
    stopping = true;
    maildev.stop().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

main().catch((error: unknown) => {
  console.error(
    `mailbox failed to start: ${error instanceof Error ? error.message : String(error)}`,
  );
  process.exit(1);
});
