// `npm start`: the whole platform on this machine. PostgreSQL and Kafka are provisioned
// (see scripts/infrastructure.ts), every service runs as its own process, and demo data is seeded.
import { spawnSync } from 'node:child_process';
import { createConnection } from 'node:net';
import { join } from 'node:path';
import {
  PLATFORM_SERVICES,
  SERVICES,
  freePort,
  startStack,
  type ServiceName,
  type Stack,
} from '@ko/platform/deployment';
import { ROOT, provisionInfrastructure, type Infrastructure } from './infrastructure';
import { DEMO_FAN, DEMO_ORGANIZERS, DEMO_PASSWORD, seed } from './seed';
import { startClientServer, type RunningClientServer } from '../client/serve';

const CLIENT_PORT = Number(process.env.CLIENT_PORT ?? 5173);
const CLIENT_DIST = join(ROOT, 'client', 'dist');

const log = (message: string) => console.log(`[start] ${message}`);

function portInUse(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ port, host: '127.0.0.1' });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

function parseInstances(args: string[]): Partial<Record<ServiceName, number>> {
  const instances: Partial<Record<ServiceName, number>> = {};
  for (const arg of args) {
    const match = /^--instances=(\w[\w-]*)=(\d)$/.exec(arg);
    if (match && match[1] in SERVICES) instances[match[1] as ServiceName] = Number(match[2]);
  }
  return instances;
}

/**
 * The local mailbox's ports (MailDev: SMTP 1025, inbox 1080), or free ones when those are taken
 * (another MailDev, say), which is then said. None when SMTP_URL points at a real mail server.
 */
async function mailboxPorts(): Promise<{ mailbox?: number; 'mailbox-smtp'?: number }> {
  if (process.env.SMTP_URL) return {};
  const chosen: { mailbox?: number; 'mailbox-smtp'?: number } = {};
  for (const [key, port, what] of [
    ['mailbox', SERVICES.mailbox.port, 'mailbox inbox'],
    ['mailbox-smtp', SERVICES.mailbox.smtpPort, 'mailbox SMTP'],
  ] as const) {
    if (await portInUse(port)) {
      chosen[key] = await freePort();
      log(`port ${port} (${what}) is taken: using ${chosen[key]} instead`);
    }
  }
  return chosen;
}

async function main() {
  const instances = parseInstances(process.argv.slice(2));
  // A real mail server (SMTP_URL) replaces the local mailbox.
  const services = PLATFORM_SERVICES.filter((name) => name !== 'mailbox' || !process.env.SMTP_URL);
  const mailPorts = await mailboxPorts();
  const ports: Array<[string, number]> = [
    ...services
      .filter((name) => name !== 'mailbox')
      .flatMap((name) =>
        Array.from({ length: instances[name] ?? 1 }, (_, i): [string, number] => [
          name,
          SERVICES[name].port + i * 100,
        ]),
      ),
    ['web client', CLIENT_PORT],
  ];
  for (const [name, port] of ports) {
    if (await portInUse(port)) {
      throw new Error(
        `Port ${port} (${name}) is already in use: stop whatever runs there (\`lsof -i :${port}\`), or an earlier \`npm start\`.`,
      );
    }
  }
  // The client's build also registers its operations (trusted documents) for the router.
  log('building the web client…');
  const build = spawnSync(
    process.platform === 'win32' ? 'npm.cmd' : 'npm',
    ['run', 'build', '-w', 'client'],
    { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'] },
  );
  if (build.status !== 0) throw new Error('The web client did not build (see above).');
  const dataDir = join(ROOT, '.data');
  // Filled in as things start, so Ctrl-C at any moment stops what is already running.
  const running: { infra?: Infrastructure; stack?: Stack; client?: RunningClientServer } = {};
  // The services run in process groups of their own, so a Ctrl-C reaches only this process:
  // it stops supervision first, then every service in order, and none is restarted.
  const starting = new AbortController();
  let stackStarting: Promise<Stack> | undefined;
  let stopping = false;
  const shutdown = async () => {
    if (stopping) return;
    stopping = true;
    log('stopping…');
    starting.abort();
    await stackStarting?.catch(() => undefined);
    await running.client?.close();
    await running.stack?.stop();
    await running.infra?.stop();
    log('stopped');
    process.exit(0);
  };
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const)
    process.on(signal, () => void shutdown());

  const infra = (running.infra = await provisionInfrastructure({ dataDir, log, kafkaPort: 9092 }));
  log('starting services…');
  try {
    stackStarting = startStack({
      postgresUrl: infra.postgres.url,
      kafkaBrokers: infra.kafkaBrokers,
      kafkaCredentials: infra.kafkaCredentials,
      services,
      databasePrefix: 'ko',
      fixedPorts: true,
      ports: mailPorts,
      instances,
      workDir: join(dataDir, 'stack'),
      env: {
        KEYS_DIR: join(dataDir, 'keys'),
        ...(process.env.SMTP_URL ? { SMTP_URL: process.env.SMTP_URL } : {}),
        SITE_URL: `http://localhost:${CLIENT_PORT}`,
      },
      serviceEnv: { router: { TRUSTED_DOCUMENTS: join(CLIENT_DIST, 'persisted-documents.json') } },
      logLevel: process.env.LOG_LEVEL ?? 'info',
      echo: process.argv.includes('--verbose'),
      // A service that dies is started again, with back-off, and a line here says what died and why.
      supervise: { log },
      detached: true,
      signal: starting.signal,
    });
    const stack = (running.stack = await stackStarting);
    await seed(stack.routerUrl, log, {
      withTiers: PLATFORM_SERVICES.includes('tickets'),
      withChat: PLATFORM_SERVICES.includes('chat'),
    });
    running.client = await startClientServer({
      port: CLIENT_PORT,
      graphqlUrl: `http://localhost:${SERVICES.router.port}/graphql`,
      distDir: CLIENT_DIST,
    });
  } catch (error) {
    // Interrupted while starting: shutdown() is stopping everything.
    if (stopping) return;
    await running.client?.close();
    await running.stack?.stop();
    await infra.stop();
    throw error;
  }

  console.log(`
  KO Ticket Master is running.

    Open the web client:               http://localhost:${CLIENT_PORT}
    GraphQL (one URL for everything):  ${running.stack.routerUrl}
    Mail the platform sent (inbox):    ${running.stack.mailboxUrl ?? `none here: mail goes to SMTP_URL`}
    Service logs:                      ${join(running.stack.workDir, 'logs')}

  Demo logins (password for all: ${DEMO_PASSWORD})
${DEMO_ORGANIZERS.map((o) => `    organizer  ${o.email.padEnd(28)} ${o.name}`).join('\n')}
    fan        ${DEMO_FAN.email}

  Press Ctrl-C to stop everything.
`);
}

main().catch((error: unknown) => {
  console.error(`[start] ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
