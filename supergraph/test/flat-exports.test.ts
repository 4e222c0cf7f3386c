import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { repoRoot } from '@ko/platform/testing';
import { HOT_ENTRY_POINTS, flatCopy } from '../src/flat-exports';

describe('flat exports', () => {
  it('copies re-exported bindings as data properties, same values, esModule mark kept', () => {
    const source = { isReal: () => true };
    const reexports: Record<string, unknown> = {};
    Object.defineProperty(reexports, '__esModule', { value: true });
    Object.defineProperty(reexports, 'isReal', { enumerable: true, get: () => source.isReal });

    const flat = flatCopy(reexports);

    expect(Object.getOwnPropertyDescriptor(flat, 'isReal')).toMatchObject({
      value: source.isReal,
    });
    expect(flat.__esModule).toBe(true);
  });

  // Jest keeps its own module registry, so the swap in Node's module cache is checked in a
  // plain Node process, as the router loads it (the compiled module, before the gateway).
  it('the router process reads the gateway libraries without getters, the gateway included', () => {
    const script = `
      require(${JSON.stringify(join(repoRoot(), 'supergraph/dist/flat-exports.js'))});
      const entries = ${JSON.stringify(HOT_ENTRY_POINTS)};
      const getters = entries.map((name) => {
        const exports = require(name);
        const names = Object.keys(exports);
        return [name, names.length, names.filter((key) => Object.getOwnPropertyDescriptor(exports, key).get).length];
      });
      const { ApolloGateway } = require('@apollo/gateway');
      const { GraphQLObjectType } = require('graphql');
      console.log(JSON.stringify({ getters, gateway: typeof ApolloGateway, type: typeof GraphQLObjectType }));
    `;
    const run = spawnSync(process.execPath, ['-e', script], {
      cwd: join(repoRoot(), 'supergraph'),
      encoding: 'utf8',
    });
    expect(run.stderr).toBe('');
    const seen = JSON.parse(run.stdout) as {
      getters: Array<[string, number, number]>;
      gateway: string;
      type: string;
    };
    for (const [name, exported, getters] of seen.getters) {
      expect({ name, getters }).toEqual({ name, getters: 0 });
      expect(exported).toBeGreaterThan(10);
    }
    expect(seen).toMatchObject({ gateway: 'function', type: 'function' });
  });
});
