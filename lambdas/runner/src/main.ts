/**
 * The lambda runner as a process: `node dist/main.js` (or `tsx src/main.ts`).
 *
 * Environment: PORT or LAMBDA_RUNNER_PORT (default 9001), HOST or LAMBDA_RUNNER_HOST (default 0.0.0.0),
 * LAMBDA_RUNNER_MAX_THREADS, LAMBDA_RUNNER_TIMEOUT_MS (default 30000), LOG_LEVEL, and the
 * deployed names shared with the invoker: LAMBDA_RENDER_TICKETS_FUNCTION, LAMBDA_SALES_REPORT_FUNCTION, LAMBDA_SEND_MAIL_FUNCTION
 * (send-mail also reads its own: MAIL_DATABASE_URL, SMTP_URL, SITE_URL, MAIL_FROM, SERVICE_LIST).
 */
import pino from 'pino';
import { startLambdaRunner } from './server';

const logger = pino({ name: 'lambda-runner', level: process.env.LOG_LEVEL ?? 'info' });

function intFromEnv(...names: string[]): number | undefined {
  for (const name of names) {
    const raw = process.env[name];
    if (raw === undefined || raw === '') continue;
    const value = Number(raw);
    if (!Number.isInteger(value) || value < 0)
      throw new Error(`${name} must be a non-negative integer, got "${raw}"`);
    return value;
  }
  return undefined;
}

async function main(): Promise<void> {
  const runner = await startLambdaRunner({
    port: intFromEnv('PORT', 'LAMBDA_RUNNER_PORT') ?? 9001,
    host: process.env.HOST || process.env.LAMBDA_RUNNER_HOST || '0.0.0.0',
    maxThreads: intFromEnv('LAMBDA_RUNNER_MAX_THREADS'),
    timeoutMs: intFromEnv('LAMBDA_RUNNER_TIMEOUT_MS'),
    functionNames: {
      'render-tickets': process.env.LAMBDA_RENDER_TICKETS_FUNCTION || undefined,
      'sales-report': process.env.LAMBDA_SALES_REPORT_FUNCTION || undefined,
      'send-mail': process.env.LAMBDA_SEND_MAIL_FUNCTION || undefined,
    },
    logger,
  });

  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'stopping: finishing running invocations');
    // Invocations end within their timeout; past that (plus a margin) give up.
    const force = setTimeout(
      () => {
        logger.error({}, 'invocations still running after the grace period; exiting');
        process.exit(1);
      },
      (intFromEnv('LAMBDA_RUNNER_TIMEOUT_MS') ?? 30_000) + 5_000,
    );
    force.unref();
    runner.close().then(
      () => {
        logger.info({}, 'stopped');
        process.exit(0);
      },
      (err: unknown) => {
        logger.error({ err }, 'failed to stop cleanly');
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

main().catch((err: unknown) => {
  logger.fatal({ err }, 'lambda runner failed to start');
  process.exit(1);
});
