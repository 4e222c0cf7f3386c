import { z } from 'zod';
import { baseConfigSchema, loadConfig, millis, port } from '@ko/platform/config';
import { DEFAULT_TIMEOUT_MS } from './limits';

/** A deployed name (or ARN) for a built-in function; unset means its own name. */
const functionName = () => z.string().min(1).optional();

export const runnerConfigSchema = baseConfigSchema.extend({
  PORT: port(9001),
  /** Worker threads, i.e. invocations running at once; the number of cores when unset. */
  LAMBDA_RUNNER_MAX_THREADS: z.coerce.number().int().min(1).optional(),
  /** Per-invocation timeout, counted from the request's arrival. */
  LAMBDA_RUNNER_TIMEOUT_MS: millis(DEFAULT_TIMEOUT_MS),
  // The deployed names, shared with the services that invoke them (platform's lambda.ts).
  LAMBDA_RENDER_TICKETS_FUNCTION: functionName(),
  LAMBDA_SALES_REPORT_FUNCTION: functionName(),
  LAMBDA_SEND_MAIL_FUNCTION: functionName(),
});

export type RunnerConfig = z.infer<typeof runnerConfigSchema>;
export const loadRunnerConfig = (env?: Record<string, string | undefined>): RunnerConfig =>
  loadConfig(runnerConfigSchema, env);
