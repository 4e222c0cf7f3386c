import type { GraphQLRequestListener } from '@apollo/server';
import { parse, type OperationDefinitionNode } from 'graphql';
import { onlyRootFields } from '@ko/platform/root-fields';
import { yieldingOperations } from '../src/yielding-operations';

const JOIN = new Set(['Mutation.joinWaitingRoom']);
const operation = (text: string) => parse(text).definitions[0] as OperationDefinitionNode;

describe('onlyRootFields', () => {
  it('picks operations made of the named root fields only', () => {
    expect(
      onlyRootFields(operation('mutation { joinWaitingRoom(eventId: "e") { id } }'), JOIN),
    ).toBe(true);
    expect(
      onlyRootFields(
        operation('mutation { a: joinWaitingRoom(eventId: "e") { id } __typename }'),
        JOIN,
      ),
    ).toBe(true);
    // Anything else in the same operation runs at its own priority.
    expect(
      onlyRootFields(
        operation('mutation { joinWaitingRoom(eventId: "e") { id } purchaseTickets { id } }'),
        JOIN,
      ),
    ).toBe(false);
    expect(onlyRootFields(operation('query { joinWaitingRoom { id } }'), JOIN)).toBe(false);
    expect(onlyRootFields(operation('mutation { __typename }'), JOIN)).toBe(false);
    // An inline fragment's fields are the operation's own; a spread's are not known here.
    expect(
      onlyRootFields(operation('mutation { ... on Mutation { joinWaitingRoom { id } } }'), JOIN),
    ).toBe(true);
    expect(onlyRootFields(operation('mutation { ...Join }'), JOIN)).toBe(false);
  });
});

/** One request through the plugin's hooks: resolves `started` when its operation may run. */
async function request(
  plugin: ReturnType<typeof yieldingOperations<object>>,
  text: string,
  log: string[],
  name: string,
) {
  const listener = (await plugin.requestDidStart!({} as never)) as GraphQLRequestListener<object>;
  const started = listener.didResolveOperation!({ operation: operation(text) } as never).then(() =>
    log.push(`${name} runs`),
  );
  return { started, finish: () => listener.willSendResponse!({} as never) };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('yieldingOperations', () => {
  it('runs at most `concurrency` of the yielding operations at once, in arrival order, and never holds the others', async () => {
    const plugin = yieldingOperations<object>(JOIN, 2);
    const log: string[] = [];
    const join = 'mutation { joinWaitingRoom(eventId: "e") { id } }';
    const joins = [];
    for (const name of ['j1', 'j2', 'j3', 'j4']) joins.push(await request(plugin, join, log, name));
    const buy = await request(plugin, 'mutation { purchaseTickets { id } }', log, 'buy');
    await tick();
    expect(log).toEqual(['j1 runs', 'j2 runs', 'buy runs']);
    expect(plugin.waiting).toBe(2);
    await joins[1]!.finish();
    await tick();
    expect(log).toEqual(['j1 runs', 'j2 runs', 'buy runs', 'j3 runs']);
    await joins[0]!.finish();
    await tick();
    expect(log.at(-1)).toBe('j4 runs');
    expect(plugin.waiting).toBe(0);
    await Promise.all([...joins.map((j) => j.finish()), buy.finish()]);
  });

  it('refuses a yielding operation once too many wait, and still runs the others', async () => {
    const plugin = yieldingOperations<object>(JOIN, 1, undefined, 2);
    const log: string[] = [];
    const join = 'mutation { joinWaitingRoom(eventId: "e") { id } }';
    const running = await request(plugin, join, log, 'j1');
    await request(plugin, join, log, 'j2');
    await request(plugin, join, log, 'j3');
    const refused = await request(plugin, join, log, 'j4');
    await expect(refused.started).rejects.toMatchObject({
      extensions: { code: 'SERVICE_UNAVAILABLE' },
    });
    const buy = await request(plugin, 'mutation { purchaseTickets { id } }', log, 'buy');
    await buy.started;
    expect(plugin.waiting).toBe(2);
    await running.finish();
  });
});
