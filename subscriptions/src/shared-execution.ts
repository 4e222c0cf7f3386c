import {
  createSourceEventStream,
  execute,
  print,
  type DocumentNode,
  type ExecutionArgs,
  type ExecutionResult,
} from 'graphql';
import { relayed, type SubscriptionRelay } from './live-relay';

export type Result = ExecutionResult | Promise<ExecutionResult>;

/** An async iterator that maps each value of `source`, and ends `source` when it is ended. */
function mapAsyncIterator<T, U>(
  source: AsyncIterator<T>,
  map: (value: T) => U | Promise<U>,
): AsyncIterableIterator<U> {
  // Not an async generator: a generator's return() waits for the pending next() (the next
  // chat message), so an unsubscribe would leave the subscription live until then.
  const finished = (): IteratorResult<U> => ({ value: undefined, done: true });
  return {
    async next() {
      const step = await source.next();
      return step.done ? finished() : { value: await map(step.value), done: false };
    },
    async return() {
      await source.return?.();
      return finished();
    },
    async throw(error?: unknown) {
      await source.return?.();
      throw error;
    },
    [Symbol.asyncIterator]() {
      return this;
    },
  };
}

const isAsyncIterable = (value: unknown): value is AsyncIterable<unknown> =>
  typeof value === 'object' && value !== null && Symbol.asyncIterator in value;

/**
 * graphql-js's `subscribe` executes the selection again for every subscriber and every payload.
 * Live fields here resolve from the Kafka fact alone (never from the viewer), so subscribers
 * with the same document and variables get the same result: it is computed once per payload and
 * shape and shared. A chat of 1,000 followers costs one execution per message, not 1,000.
 *
 * The fan-out hands one payload object to every subscriber, so the cache is keyed by that object
 * (weakly: it goes when the last subscriber has sent it).
 */
export function createSharedSubscribe(
  relay?: SubscriptionRelay,
): (args: ExecutionArgs) => Promise<AsyncIterableIterator<ExecutionResult> | ExecutionResult> {
  const results = new WeakMap<object, Map<string, Result>>();
  const shapes = new WeakMap<DocumentNode, string>();
  const shapeOf = (args: ExecutionArgs) => {
    let printed = shapes.get(args.document);
    if (printed === undefined) shapes.set(args.document, (printed = print(args.document)));
    return `${args.operationName ?? ''}\n${JSON.stringify(args.variableValues ?? {})}\n${printed}`;
  };

  return async (args) => {
    const source = await createSourceEventStream(args);
    if (!isAsyncIterable(source)) return source as ExecutionResult;
    const shape = shapeOf(args);
    const resultOf = (payload: unknown) => {
      if (typeof payload !== 'object' || payload === null)
        return execute({ ...args, rootValue: payload });
      let byShape = results.get(payload);
      if (!byShape) results.set(payload, (byShape = new Map()));
      let result = byShape.get(shape);
      if (!result) byShape.set(shape, (result = execute({ ...args, rootValue: payload })));
      return result;
    };
    const delivery = relay?.deliveryOf(args);
    if (delivery)
      return relayed(source[Symbol.asyncIterator](), resultOf, shape, delivery, {
        format: relay!.format,
        onLinkLost: () => relay!.onLinkLost(args),
      });
    return mapAsyncIterator(source[Symbol.asyncIterator](), resultOf);
  };
}
