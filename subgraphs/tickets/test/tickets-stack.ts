import { Client as Pg } from 'pg';
import {
  RouterClient,
  startStack,
  testInfrastructure,
  type ServiceName,
  type Stack,
  type StackOptions,
} from '@ko/platform/testing';

/** What a tickets suite works with: the stack, its router (URL and client), the tickets database. */
export interface TicketsStack {
  stack: Stack;
  url: string;
  client: RouterClient;
  db: Pg;
  stop(): Promise<void>;
}

/**
 * The tickets suites' stack: users, events, tickets and the router, and `also` beside them, on
 * the test infrastructure, with `options` over it (service settings, instances, another broker).
 */
export async function startTicketsStack(
  options: Partial<StackOptions> & { also?: ServiceName[] } = {},
): Promise<TicketsStack> {
  const { also = [], ...rest } = options;
  const stack = await startStack({
    ...testInfrastructure(),
    services: ['users', 'events', 'tickets', ...also, 'router'],
    ...rest,
  });
  const client = new RouterClient(stack.routerUrl);
  const db = new Pg({ connectionString: stack.databaseUrls.tickets });
  await db.connect();
  return {
    stack,
    url: stack.routerUrl,
    client,
    db,
    stop: async () => {
      await db.end();
      await stack.stop({ dropDatabases: true });
    },
  };
}
