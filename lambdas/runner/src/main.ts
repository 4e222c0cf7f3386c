/**
 * The lambda runner as a process: `node dist/main.js` (or `tsx src/main.ts`), configured by
 * config.ts (send-mail, running inside it, reads its own: MAIL_DATABASE_URL, SMTP_URL, SITE_URL,
 * MAIL_FROM, SERVICE_LIST).
 */
import { createLogger } from '@ko/platform/logger';
import { runMain } from '@ko/platform/lifecycle';
import { loadRunnerConfig } from './config';
import { startLambdaRunner } from './server';

runMain('lambda-runner', createLogger('lambda-runner'), async () => {
  const config = loadRunnerConfig();
  const runner = await startLambdaRunner({
    port: config.PORT,
    host: config.HOST,
    maxThreads: config.LAMBDA_RUNNER_MAX_THREADS,
    timeoutMs: config.LAMBDA_RUNNER_TIMEOUT_MS,
    functionNames: {
      'render-tickets': config.LAMBDA_RENDER_TICKETS_FUNCTION,
      'sales-report': config.LAMBDA_SALES_REPORT_FUNCTION,
      'send-mail': config.LAMBDA_SEND_MAIL_FUNCTION,
    },
    logger: createLogger('lambda-runner', config.LOG_LEVEL),
  });
  // Running invocations end within their timeout: stopping may take that long, and a margin.
  return { stop: () => runner.close(), graceMs: config.LAMBDA_RUNNER_TIMEOUT_MS + 5_000 };
});
