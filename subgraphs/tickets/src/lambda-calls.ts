import {
  DomainError,
  LambdaFunctionError,
  LambdaTimeoutError,
  badInput,
  type LambdaInvoker,
  type Logger,
} from '@ko/platform';

export interface LambdaCall<TIn> {
  /** Logical function name, as configured (`render-tickets`, `sales-report`). */
  name: string;
  payload: TIn;
  /** What the client asked for, in words: "render your tickets". */
  action: string;
  /**
   * The payload carries the client's own choices (the report's bucket), so the handler's
   * `InvalidInputError` is theirs to fix: BAD_USER_INPUT with its reason. Otherwise the payload
   * is all ours and such an error is our failure like any other.
   */
  clientInput?: boolean;
}

/**
 * Invokes a lambda and turns every way it can fail into an error a person can act on. The
 * details (function, error type, message) go to the log, not to the client:
 * - the handler threw, timed out inside Lambda or answered too much: SERVICE_UNAVAILABLE
 *   with `functionError` (Lambda's error type), or BAD_USER_INPUT for the client's own input;
 * - no answer within the invoker's deadline: SERVICE_UNAVAILABLE with `timeoutMs`;
 * - Lambda unreachable, throttling past the retries, a function missing: SERVICE_UNAVAILABLE.
 * The invoker's deadline bounds the wait, so a stuck function never holds a request for long.
 */
export async function callLambda<TIn, TOut>(
  lambda: Pick<LambdaInvoker, 'invoke'>,
  logger: Logger,
  call: LambdaCall<TIn>,
): Promise<TOut> {
  try {
    return await lambda.invoke<TIn, TOut>(call.name, call.payload);
  } catch (error) {
    throw explain(error, logger, call);
  }
}

function explain(error: unknown, logger: Logger, call: LambdaCall<unknown>): Error {
  if (error instanceof DomainError) return error;
  const retry = `We could not ${call.action} right now; try again in a moment.`;
  if (error instanceof LambdaFunctionError) {
    if (error.errorType === 'InvalidInputError' && call.clientInput) {
      const reason = error.errorMessage.replace(/^Invalid [\w-]+ input: /, '');
      return badInput(`We could not ${call.action}: ${reason}.`, {
        functionError: error.errorType,
      });
    }
    logger.error(
      {
        function: error.functionName,
        errorType: error.errorType,
        errorMessage: error.errorMessage,
        functionError: error.functionError,
      },
      `lambda ${call.name} failed`,
    );
    return new DomainError('SERVICE_UNAVAILABLE', retry, { functionError: error.errorType });
  }
  if (error instanceof LambdaTimeoutError) {
    logger.warn(
      { function: error.functionName, timeoutMs: error.timeoutMs },
      `lambda ${call.name} did not answer in time`,
    );
    return new DomainError(
      'SERVICE_UNAVAILABLE',
      `We could not ${call.action} in time; try again in a moment.`,
      {
        timeoutMs: error.timeoutMs,
      },
    );
  }
  // The SDK's own errors (unreachable, throttled past the retries, no such function, no region).
  logger.error({ err: error }, `lambda ${call.name} could not be called`);
  return new DomainError('SERVICE_UNAVAILABLE', retry);
}
