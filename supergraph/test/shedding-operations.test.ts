import type { GraphQLRequestListener } from '@apollo/server';
import { parse, type OperationDefinitionNode } from 'graphql';
import { anyRootField } from '@ko/platform/root-fields';
import { refusalLog, sheddingOperations } from '../src/shedding-operations';

const POST = new Set(['Mutation.postMessage']);
const operation = (text: string) => parse(text).definitions[0] as OperationDefinitionNode;

describe('anyRootField', () => {
  it('picks an operation with any of the named root fields among its own', () => {
    expect(anyRootField(operation('mutation { postMessage(eventId: "e") { id } }'), POST)).toBe(
      true,
    );
    // Beside something else, the post is still in it.
    expect(
      anyRootField(
        operation('mutation { purchaseTickets { id } a: postMessage(eventId: "e") { id } }'),
        POST,
      ),
    ).toBe(true);
    // Not hidden by a fragment: an inline one is looked into, a spread may hold it.
    expect(
      anyRootField(
        operation('mutation { ... on Mutation { postMessage(eventId: "e") { id } } }'),
        POST,
      ),
    ).toBe(true);
    expect(anyRootField(operation('mutation { ...Post }'), POST)).toBe(true);
    expect(anyRootField(operation('mutation { ...Post }'), new Set())).toBe(false);
    expect(anyRootField(operation('mutation { purchaseTickets { id } }'), POST)).toBe(false);
    expect(anyRootField(operation('query { postMessage { id } }'), POST)).toBe(false);
    expect(anyRootField(operation('subscription { postMessage { id } }'), POST)).toBe(false);
  });
});

/** One request's operation through the plugin: rejects when it is shed. */
async function resolve(plugin: ReturnType<typeof sheddingOperations<object>>, text: string) {
  const listener = (await plugin.requestDidStart!({} as never)) as GraphQLRequestListener<object>;
  return listener.didResolveOperation!({ operation: operation(text) } as never);
}

/** The Retry-After header a request's answer gets from the plugin, once its operation resolved. */
async function retryAfter(plugin: ReturnType<typeof sheddingOperations<object>>, text: string) {
  const listener = (await plugin.requestDidStart!({} as never)) as GraphQLRequestListener<object>;
  await listener.didResolveOperation!({ operation: operation(text) } as never).catch(() => {});
  const response = { http: { headers: new Map<string, string>() } };
  await listener.willSendResponse!({ response } as never);
  return response.http.headers.get('retry-after');
}

describe('sheddingOperations', () => {
  const post = 'mutation { postMessage(eventId: "e", body: "hi") { id } }';

  it('refuses the shedding operations while the loop runs later than the bound, and only them', async () => {
    let delayMs = 150;
    let shed = 0;
    const plugin = sheddingOperations<object>(
      POST,
      () => delayMs,
      100,
      () => shed++,
    );
    await expect(resolve(plugin, post)).rejects.toMatchObject({
      extensions: {
        code: 'SERVICE_UNAVAILABLE',
        retryAfterSeconds: 1,
        http: { status: 503 },
      },
    });
    expect(await retryAfter(plugin, post)).toBe('1');
    expect(await retryAfter(plugin, '{ events { id } }')).toBeUndefined();
    await expect(resolve(plugin, 'mutation { purchaseTickets { id } }')).resolves.toBeUndefined();
    await expect(resolve(plugin, '{ events { id } }')).resolves.toBeUndefined();
    expect(shed).toBe(2);
    delayMs = 100;
    await expect(resolve(plugin, post)).resolves.toBeUndefined();
    expect(await retryAfter(plugin, post)).toBeUndefined();
    expect(shed).toBe(2);
  });

  it('sheds nothing when no field is listed', async () => {
    const plugin = sheddingOperations<object>(new Set(), () => 10_000, 100);
    await expect(resolve(plugin, post)).resolves.toBeUndefined();
  });
});

describe('refusalLog', () => {
  it('logs the first refusal at once, then at most a line per period with the count since', () => {
    const lines: Array<Record<string, unknown>> = [];
    let now = 0;
    const refused = refusalLog(
      { warn: (fields: object) => void lines.push({ ...fields }) } as never,
      () => 123.4,
      10_000,
      () => now,
    );
    refused();
    now = 4_000;
    refused();
    refused();
    expect(lines).toEqual([{ refused: 1, loopDelayMs: 123 }]);
    now = 10_000;
    refused();
    expect(lines).toEqual([
      { refused: 1, loopDelayMs: 123 },
      { refused: 3, loopDelayMs: 123 },
    ]);
  });
});
