import { join } from 'node:path';
import {
  ManagedProcess,
  errorCodes,
  freePort,
  graphql,
  startStack,
  testInfrastructure,
  type Stack,
} from '@ko/platform/testing';

/**
 * What the router shows an outsider on its public port in production: no metrics, no detailed
 * health, no schema (introspection) and no field suggestions. Those go to the admin port.
 */

let stack: Stack;
let router: ManagedProcess;
let publicUrl: string;
let adminUrl: string;

beforeAll(async () => {
  stack = await startStack({ ...testInfrastructure(), services: ['users', 'events', 'router'] });
  const template = stack.instances('router')[0].spec;
  const [port, adminPort] = [await freePort(), await freePort()];
  router = new ManagedProcess({
    ...template,
    name: 'router-production',
    env: {
      ...template.env,
      NODE_ENV: 'production',
      PORT: String(port),
      ADMIN_PORT: String(adminPort),
    },
    logFile: join(stack.workDir, 'logs', 'router-production.log'),
    healthUrl: `http://127.0.0.1:${port}/health`,
  });
  await router.start();
  publicUrl = `http://127.0.0.1:${port}`;
  adminUrl = `http://127.0.0.1:${adminPort}`;
}, 120_000);

afterAll(async () => {
  await router?.stop();
  await stack?.stop({ dropDatabases: true });
});

describe('the router in production', () => {
  it('serves neither /metrics nor the detailed /health on its public port', async () => {
    const metrics = await fetch(`${publicUrl}/metrics`);
    expect(metrics.status).toBe(404);
    expect(await metrics.text()).not.toContain('router_');
    const health = await fetch(`${publicUrl}/health`);
    expect(health.status).toBe(200);
    const body = (await health.json()) as Record<string, unknown>;
    expect(body).toMatchObject({ status: 'ok', live: true });
    expect(body.services).toBeUndefined();
    expect(JSON.stringify(body)).not.toContain('127.0.0.1');
  });

  it('serves them on the admin port', async () => {
    const metrics = await fetch(`${adminUrl}/metrics`);
    expect(metrics.status).toBe(200);
    expect(await metrics.text()).toContain('router_instance_up');
    const health = (await (await fetch(`${adminUrl}/health`)).json()) as {
      services: Record<string, unknown[]>;
    };
    expect(Object.keys(health.services)).toEqual(expect.arrayContaining(['users', 'events']));
  });

  it('refuses introspection and gives no field suggestions, but answers queries', async () => {
    const schema = await graphql(`${publicUrl}/graphql`, '{ __schema { types { name } } }');
    expect(errorCodes(schema)).toContain('GRAPHQL_VALIDATION_FAILED');
    const typo = await graphql(`${publicUrl}/graphql`, '{ categorie }');
    expect(errorCodes(typo)).toEqual(['GRAPHQL_VALIDATION_FAILED']);
    expect(typo.errors![0].message).not.toMatch(/Did you mean|categories/);
    // The development router beside it suggests, as integrators expect while building.
    const devTypo = await graphql(stack.routerUrl, '{ categorie }');
    expect(devTypo.errors![0].message).toMatch(/Did you mean "categories"/);
    const answered = await graphql(`${publicUrl}/graphql`, '{ categories }');
    expect(answered.errors).toBeUndefined();
  });
});
