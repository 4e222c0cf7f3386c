import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { parse } from 'yaml';

/** One subgraph as the service list (supergraph.yaml, rover's format) describes it. */
export interface SubgraphEntry {
  name: string;
  /** Where the router sends requests; the first of `instances`. */
  routingUrl: string;
  /** Every instance's /graphql URL (rover's `routing_url` plus our `instances` extension). */
  instances: string[];
  schemaFile: string;
}

export interface ServiceList {
  subgraphs: SubgraphEntry[];
  /** graphql-ws endpoints of the subscriptions service. */
  subscriptions: string[];
}

interface RawSubgraph {
  routing_url?: string;
  instances?: string[];
  schema?: { file?: string };
}

/** Reads supergraph.yaml; schema paths are resolved relative to the file. */
export function readServiceList(path: string): ServiceList {
  const raw = parse(readFileSync(path, 'utf8')) as {
    subgraphs?: Record<string, RawSubgraph>;
    subscriptions?: { instances?: string[] };
  };
  if (!raw?.subgraphs || typeof raw.subgraphs !== 'object')
    throw new Error(`${path} has no "subgraphs" section`);
  const base = dirname(resolve(path));
  const subgraphs = Object.entries(raw.subgraphs).map(([name, entry]) => {
    if (!entry.routing_url) throw new Error(`${path}: subgraph "${name}" has no routing_url`);
    if (!entry.schema?.file) throw new Error(`${path}: subgraph "${name}" has no schema.file`);
    const instances = entry.instances?.length ? entry.instances : [entry.routing_url];
    return {
      name,
      routingUrl: entry.routing_url,
      instances,
      schemaFile: resolve(base, entry.schema.file),
    };
  });
  return { subgraphs, subscriptions: raw.subscriptions?.instances ?? [] };
}
