import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readServiceList } from '@ko/platform';
import { repoRoot } from '@ko/platform/testing';
import { CompositionError, composeSupergraph } from '../src/composition';

const root = repoRoot();

function serviceListWith(extraSubgraph: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'ko-compose-'));
  writeFileSync(join(dir, 'broken.graphql'), extraSubgraph);
  const file = join(dir, 'supergraph.yaml');
  writeFileSync(
    file,
    `subgraphs:
  events:
    routing_url: http://127.0.0.1:1/graphql
    schema: { file: ${join(root, 'subgraphs/events/src/schema.graphql')} }
  broken:
    routing_url: http://127.0.0.1:2/graphql
    schema: { file: ./broken.graphql }
`,
  );
  return file;
}

// Declares Event.title with another type than the events subgraph does.
const CONFLICTING = `extend schema @link(url: "https://specs.apollo.dev/federation/v2.9", import: ["@key"])
type Event @key(fields: "id") { id: ID! title: Int! }
type Query { brokenField: String }
`;

describe('composition', () => {
  it('composes the committed service list into a supergraph with every subgraph', () => {
    const list = readServiceList(join(root, 'supergraph.yaml'));
    const sdl = composeSupergraph(list);
    for (const { name } of list.subgraphs) expect(sdl).toContain(`@join__graph(name: "${name}"`);
    expect(sdl).toMatch(/type Query/);
  });

  it('names the conflict when subgraphs do not compose', () => {
    const list = readServiceList(serviceListWith(CONFLICTING));
    expect(() => composeSupergraph(list)).toThrow(CompositionError);
    try {
      composeSupergraph(list);
    } catch (error) {
      expect((error as CompositionError).errors.join('\n')).toMatch(/Event\.title/);
    }
  });

  it('refuses to start the router on a broken service list, printing the errors', () => {
    const result = spawnSync(process.execPath, [join(root, 'supergraph/dist/main.js')], {
      env: {
        ...process.env,
        SERVICE_LIST: serviceListWith(CONFLICTING),
        PORT: '0',
        LOG_LEVEL: 'info',
      },
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(result.status).toBe(1);
    expect(result.stdout).toMatch(/does not compose/);
    expect(result.stdout).toMatch(/Event\.title/);
  });
});
