import type { Logger } from './logger';

/**
 * Stops the service cleanly on SIGTERM/SIGINT: stop taking requests, finish in-flight work,
 * close pools. A second signal, or a stop that hangs, forces the exit.
 */
export function stopOnSignals(stop: () => Promise<void>, logger: Logger, graceMs = 15_000): void {
  let stopping = false;
  const handler = (signal: NodeJS.Signals) => {
    if (stopping) {
      logger.warn({ signal }, 'second signal: exiting now');
      process.exit(1);
    }
    stopping = true;
    logger.info({ signal }, 'shutting down');
    setTimeout(() => {
      logger.error('shutdown took too long: exiting');
      process.exit(1);
    }, graceMs).unref();
    stop().then(
      () => process.exit(0),
      (error: unknown) => {
        logger.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', handler);
  process.on('SIGINT', handler);
}

/**
 * Runs a service's `main`: a start-up failure is one clear log line and exit code 1. A service
 * whose in-flight work may take longer than the default grace (the lambda runner's invocations)
 * says how long stopping may take.
 */
export function runMain(
  name: string,
  logger: Logger,
  main: () => Promise<{ stop(): Promise<void>; graceMs?: number }>,
): void {
  main().then(
    (service) => stopOnSignals(() => service.stop(), logger, service.graceMs),
    (error: unknown) => {
      logger.fatal(
        { err: error },
        `${name} failed to start: ${error instanceof Error ? error.message : String(error)}`,
      );
      process.exit(1);
    },
  );
}
