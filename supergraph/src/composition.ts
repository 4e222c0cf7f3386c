import { readFileSync } from 'node:fs';
import { composeServices } from '@apollo/composition';
import { parse } from 'graphql';
import type { ServiceList } from '@ko/platform/service-list';

export class CompositionError extends Error {
  constructor(readonly errors: string[]) {
    super(`The supergraph does not compose:\n  - ${errors.join('\n  - ')}`);
    this.name = 'CompositionError';
  }
}

/** Composes the supergraph from the subgraph schema files named in the service list. */
export function composeSupergraph(list: ServiceList): string {
  const services = list.subgraphs.map((s) => {
    let sdl: string;
    try {
      sdl = readFileSync(s.schemaFile, 'utf8');
    } catch (error) {
      throw new CompositionError([
        `${s.name}: cannot read ${s.schemaFile} (${(error as Error).message})`,
      ]);
    }
    try {
      return { name: s.name, url: s.routingUrl, typeDefs: parse(sdl) };
    } catch (error) {
      throw new CompositionError([
        `${s.name}: ${s.schemaFile} is not valid GraphQL (${(error as Error).message})`,
      ]);
    }
  });
  const result = composeServices(services);
  if (result.errors) throw new CompositionError(result.errors.map((e) => e.message));
  return result.supergraphSdl;
}
