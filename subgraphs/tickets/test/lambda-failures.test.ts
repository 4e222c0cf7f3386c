import path from 'node:path';
import { errorCodes, eventually, graphql } from '@ko/platform/testing';
import { startLambdaRunner, type LambdaRunner } from '../../../lambdas/runner/src/server';
import {
  ORDER_PDF,
  SALES_REPORT,
  startLambdaWorld,
  stopLambdaWorld,
  type LambdaWorld,
} from './lambda-world';

// What a client sees when a lambda fails or hangs, and when the tickets service is down.

let world: LambdaWorld;
let stack: LambdaWorld['stack'];
let client: LambdaWorld['client'];
let url: string;
let organizer: LambdaWorld['organizer'];
let fan: LambdaWorld['fan'];
let otherFan: LambdaWorld['otherFan'];
let event: LambdaWorld['event'];
let fanOrder: LambdaWorld['fanOrder'];

beforeAll(async () => {
  world = await startLambdaWorld();
  ({ stack, client, url, organizer, fan, otherFan, event, fanOrder } = world);
}, 120_000);

afterAll(() => stopLambdaWorld(world));

describe('when a lambda fails', () => {
  // A second runner, in this process, whose functions fail: the tickets service is restarted
  // pointing at it, with its function names mapped to them.
  let failing: LambdaRunner;
  const runnerFixture = path.join(__dirname, '../../../lambdas/runner/test/fixtures/fail.ts');
  const health = () => stack.urls.tickets!.replace(/\/graphql$/, '/health');

  beforeAll(async () => {
    failing = await startLambdaRunner({
      port: 0,
      maxThreads: 1,
      timeoutMs: 4_000,
      handlers: {
        'render-tickets-broken': runnerFixture,
        'sales-report-stuck': path.join(__dirname, 'fixtures', 'stuck.ts'),
      },
    });
    const tickets = stack.instances('tickets')[0]!;
    await tickets.stop();
    Object.assign(tickets.spec.env, {
      LAMBDA_ENDPOINT: failing.url,
      LAMBDA_RENDER_TICKETS_FUNCTION: 'render-tickets-broken',
      LAMBDA_SALES_REPORT_FUNCTION: 'sales-report-stuck',
      LAMBDA_TIMEOUT_MS: '1500',
    });
    await tickets.start(60_000);
    // The router notices the instance is back on its next health poll.
    await eventually(
      'the instance back behind the router',
      () => graphql(url, ORDER_PDF.replace(' pdf', ''), { id: fanOrder.id }, fan.token),
      (r) => !r.errors && r.data?.order?.id === fanOrder.id,
      20_000,
    );
  }, 90_000);

  afterAll(async () => {
    await failing?.close();
  });

  it('turns a handler that throws into a clear error, and the tickets service stays healthy', async () => {
    const result = await graphql(url, ORDER_PDF, { id: fanOrder.id }, fan.token);
    expect(errorCodes(result)).toEqual(['SERVICE_UNAVAILABLE']);
    expect(result.errors![0]).toMatchObject({
      message: 'We could not render your tickets right now; try again in a moment.',
      path: ['order', 'pdf'],
      extensions: { code: 'SERVICE_UNAVAILABLE', functionError: 'KaboomError' },
    });
    // The order itself still shows; only its PDF is missing.
    expect(result.data!.order).toMatchObject({ id: fanOrder.id, pdf: null });
    expect(result.data!.order.tickets).toHaveLength(3);

    expect((await fetch(health())).status).toBe(200);
    const normal = await graphql(
      url,
      'query($id: ID!) { event(id: $id) { tiers { name available } } }',
      { id: event.id },
    );
    expect(normal.errors).toBeUndefined();
    expect(normal.data!.event.tiers).toEqual([
      // The other fan's 2 sold and the fan's open hold of 4; the Floor's 3 sold and 1 checked out.
      { name: 'Balcony', available: 20 - 2 - 4 },
      { name: 'Floor', available: 10 - 4 },
    ]);
  });

  it('gives up on a lambda that does not answer within LAMBDA_TIMEOUT_MS, and keeps serving', async () => {
    const result = await graphql(url, SALES_REPORT, { id: event.id }, organizer.token);
    expect(errorCodes(result)).toEqual(['SERVICE_UNAVAILABLE']);
    expect(result.errors![0]).toMatchObject({
      message: 'We could not build the sales report in time; try again in a moment.',
      extensions: { code: 'SERVICE_UNAVAILABLE', timeoutMs: 1_500 },
    });
    // The invoker's deadline answered (timeoutMs), before the runner's own (4 s) or the router's (5 s).
    expect(result.data!.event).toMatchObject({ id: event.id, salesReport: null });

    expect((await fetch(health())).status).toBe(200);
    const bought = await client.purchase(otherFan.token, event.tiers[0].id, 1);
    expect(bought.errors).toBeUndefined();
    expect(bought.data!.purchaseTickets.tickets).toHaveLength(1);
  });

  it('still shows an event, without its tiers, while the tickets service is down', async () => {
    await stack.instances('tickets')[0]!.stop();
    const result = await eventually(
      'the stopped instance failing the request',
      () =>
        graphql(url, 'query($id: ID!) { event(id: $id) { id title tiers { id } } }', {
          id: event.id,
        }),
      (r) => (r.errors?.length ?? 0) > 0,
      20_000,
    );
    expect(result.data!.event).toEqual({
      id: event.id,
      title: 'Midnight Jazz at the Lighthouse',
      tiers: null,
    });
    // The router says which service is missing (its fetch error carries no field path).
    expect(result.errors![0].extensions).toMatchObject({
      code: 'SERVICE_UNAVAILABLE',
      serviceName: 'tickets',
    });
  });
});
