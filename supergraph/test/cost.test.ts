import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Kind, parse, type OperationDefinitionNode } from 'graphql';
import { readServiceList } from '@ko/platform';
import { repoRoot } from '@ko/platform/testing';
import { composeSupergraph } from '../src/composition';
import { loadRouterConfig } from '../src/config';
import { CostModel } from '../src/cost';

/** The cost model on the real supergraph (pure: no services). */
const root = repoRoot();
const model = new CostModel(composeSupergraph(readServiceList(join(root, 'supergraph.yaml'))));
const defaults = loadRouterConfig({});

const measure = (query: string, variables: Record<string, unknown> = {}) => {
  const document = parse(query);
  const operation = document.definitions.find(
    (d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION,
  )!;
  return model.measure(document, operation, variables);
};

/** `levels` alternations of organizer / organizedEvents under one event of a page. */
const organizerLoop = (levels: number) => {
  let selection = 'id';
  for (let i = 0; i < levels; i++) selection = `organizer { organizedEvents { ${selection} } }`;
  return `{ events(first: 1) { edges { node { ${selection} } } } }`;
};

describe('the cost model', () => {
  it('finds a documented bound on every list field of the supergraph', () => {
    expect(model.unboundedLists()).toEqual([]);
  });

  it('prices the reported attacks far over the default limits', () => {
    // The query: four organizer/organizedEvents loops under one event.
    expect(measure(organizerLoop(4)).cost).toBeGreaterThan(defaults.MAX_QUERY_COST * 100);
    expect(measure(organizerLoop(2)).cost).toBeGreaterThan(defaults.MAX_QUERY_COST);
    expect(
      measure('{ events(first: 20) { edges { node { tiers { event { tiers { id } } } } } } }').cost,
    ).toBeGreaterThan(defaults.MAX_QUERY_COST);
    const aliases = Array.from({ length: 10 }, (_, i) => `a${i}: orders { pdf }`).join(' ');
    expect(measure(`{ me { ${aliases} } }`).expensive).toBe(10 * 50); // orders: 50 unless asked
    expect(measure('{ me { orders(first: 1) { pdf } } }').expensive).toBe(1);
  });

  it('multiplies by `first` as written, as a variable, or by its default', () => {
    const page = (first: string) => `{ events${first} { edges { node { organizer { id } } } } }`;
    expect(measure(page('(first: 5)')).cost).toBe(1 + 5 * 3); // edges, node, organizer
    expect(measure(page('')).cost).toBe(1 + 20 * 3); // the schema's default, 20
    const withVariable = `query($n: Int) ${page('(first: $n)')}`;
    expect(measure(withVariable, { n: 50 }).cost).toBe(1 + 50 * 3);
    expect(measure(withVariable).cost).toBe(1 + 20 * 3); // unset: the default again
    expect(measure(`query($n: Int = 3) ${page('(first: $n)')}`).cost).toBe(1 + 3 * 3);
  });

  it('measures one parsed operation again when a variable its sizes read changes', () => {
    // The router reuses a measure per parsed operation (one per query text): the sizes' variables decide.
    const document = parse(
      'query($n: Int, $q: String) { events(first: $n, search: $q) { edges { node { organizer { id } } } } }',
    );
    const operation = document.definitions[0] as OperationDefinitionNode;
    expect(model.measure(document, operation, { n: 5, q: 'a' }).cost).toBe(1 + 5 * 3);
    expect(model.measure(document, operation, { n: 5, q: 'b' }).cost).toBe(1 + 5 * 3);
    expect(model.measure(document, operation, { n: 50, q: 'a' }).cost).toBe(1 + 50 * 3);
    expect(model.measure(document, operation, {}).cost).toBe(1 + 20 * 3);
    expect(model.measure(document, operation, { n: 5 }).cost).toBe(1 + 5 * 3);
  });

  it('counts fragments and inline fragments like the fields they stand for', () => {
    const direct = measure('{ me { organizedEvents(first: 10) { tiers { id } } } }');
    const viaFragments = measure(`
      { me { ...Mine } }
      fragment Mine on User { organizedEvents(first: 10) { ... on Event { ...Tiers } } }
      fragment Tiers on Event { tiers { id } }`);
    expect(viaFragments).toEqual(direct);
    expect(direct.cost).toBe(1 + 10 * (1 + 20));
  });

  it('lets every operation of the web client through the default limits', () => {
    // The client's documents, as its code writes them: graphql(`...`) in client/src.
    const texts: string[] = [];
    const walk = (dir: string) => {
      for (const entry of readdirSync(dir, { withFileTypes: true })) {
        const path = join(dir, entry.name);
        if (entry.isDirectory() && entry.name !== 'gql') walk(path);
        else if (/\.tsx?$/.test(entry.name))
          for (const m of readFileSync(path, 'utf8').matchAll(/graphql\(`([\s\S]*?)`\)/g))
            texts.push(m[1]!);
      }
    };
    walk(join(root, 'client', 'src'));
    const fragments = texts.filter((t) => /^\s*fragment /.test(t)).join('\n');
    const operations = texts.filter((t) => /^\s*(query|mutation) /.test(t));
    expect(operations.length).toBeGreaterThan(10);
    for (const operation of operations) {
      const document = parse(`${operation}\n${fragments}`);
      const definition = document.definitions.find(
        (d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION,
      )!;
      const { cost, expensive } = model.measure(document, definition, { first: 100 });
      const name = definition.name?.value;
      expect({ name, fits: cost <= defaults.MAX_QUERY_COST / 2 }).toEqual({ name, fits: true });
      expect({ name, expensive: expensive <= 1 }).toEqual({ name, expensive: true });
    }
  });
});
