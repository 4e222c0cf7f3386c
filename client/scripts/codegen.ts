// Generates the client's GraphQL types from the real contract, so a contract change breaks
// `npm run build -w client` rather than a user's page:
//  1. composes the supergraph from the subgraph schema files listed in ../supergraph.yaml
//     (the same service list the router composes from) and takes its API schema;
//  2. adds the Subscription type served by subscriptions/ over graphql-ws;
//  3. runs graphql-codegen's client preset over src/, which validates every operation.
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { composeServices } from '@apollo/composition';
import { Supergraph } from '@apollo/federation-internals';
import { generate } from '@graphql-codegen/cli';
import { addTypenameSelectionDocumentTransform } from '@graphql-codegen/client-preset';
import { gqlPluckFromCodeStringSync } from '@graphql-tools/graphql-tag-pluck';
import {
  buildASTSchema,
  isObjectType,
  Kind,
  parse,
  printSchema,
  type DefinitionNode,
  type DocumentNode,
  validate,
  type GraphQLSchema,
} from 'graphql';
import { parse as parseYaml } from 'yaml';

const CLIENT = resolve(__dirname, '..');
const ROOT = resolve(CLIENT, '..');
const SERVICE_LIST = process.env.CODEGEN_SERVICE_LIST ?? join(ROOT, 'supergraph.yaml');
const SUBSCRIPTIONS_SCHEMA = join(ROOT, 'subscriptions', 'src', 'schema.graphql');
const OUT_SCHEMA = join(CLIENT, 'schema', 'api.graphql');
const OUT_META = join(CLIENT, 'src', 'gql', 'schema-meta.ts');

/** Plain hex, as the router's manifest check computes it (supergraph/src/trusted-documents.ts). */
const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');

/** Subgraphs whose types the client's operations use. */
const NEEDED = ['users', 'events', 'tickets', 'chat'];

interface Source {
  name: string;
  file: string;
}

function schemaSources(): Source[] {
  const raw = parseYaml(readFileSync(SERVICE_LIST, 'utf8')) as {
    subgraphs?: Record<string, { schema?: { file?: string } }>;
  };
  const base = dirname(SERVICE_LIST);
  const listed: Source[] = Object.entries(raw.subgraphs ?? {}).map(([name, entry]) => {
    if (!entry.schema?.file)
      throw new Error(`${SERVICE_LIST}: subgraph "${name}" has no schema.file`);
    return { name, file: resolve(base, entry.schema.file) };
  });
  const missing = NEEDED.filter((n) => !listed.some((s) => s.name === n));
  if (missing.length)
    throw new Error(`${SERVICE_LIST} lacks subgraphs the client uses: ${missing.join(', ')}`);
  return listed;
}

function apiSchema(sources: Source[]): GraphQLSchema {
  const composed = composeServices(
    sources.map((s) => ({
      name: s.name,
      url: `http://${s.name}.invalid/graphql`,
      typeDefs: parse(readFileSync(s.file, 'utf8')),
    })),
  );
  if (composed.errors) {
    throw new Error(
      `The supergraph does not compose:\n  - ${composed.errors.map((e) => e.message).join('\n  - ')}`,
    );
  }
  return Supergraph.build(composed.supergraphSdl).apiSchema().toGraphQLJSSchema();
}

/** The API schema plus the Subscription type and whatever types only it defines. */
function withSubscriptions(api: GraphQLSchema): GraphQLSchema {
  const extra = parse(readFileSync(SUBSCRIPTIONS_SCHEMA, 'utf8'));
  const kept: DefinitionNode[] = extra.definitions.filter((d) => {
    if (
      d.kind === Kind.SCHEMA_DEFINITION ||
      d.kind === Kind.SCHEMA_EXTENSION ||
      d.kind === Kind.DIRECTIVE_DEFINITION
    )
      return false;
    if (!('name' in d) || !d.name) return false;
    // Types the graph already has (ChatMessage, DateTime…) stay as the graph defines them.
    return d.name.value === 'Subscription' || !api.getType(d.name.value);
  });
  const apiDoc = parse(printSchema(api));
  const merged: DocumentNode = {
    kind: Kind.DOCUMENT,
    definitions: [...apiDoc.definitions, ...kept],
  };
  // Stated explicitly: a schema-less SDL only infers query and mutation roots by name.
  const roots = parse('schema { query: Query mutation: Mutation subscription: Subscription }');
  return buildASTSchema({ ...merged, definitions: [...roots.definitions, ...merged.definitions] });
}

/** Facts the UI adapts to: types without an id (not normalized) and fields that land later. */
function schemaFacts(schema: GraphQLSchema): {
  unkeyed: string[];
  features: Record<string, boolean>;
} {
  const unkeyed = Object.values(schema.getTypeMap())
    .filter(
      (t) =>
        isObjectType(t) &&
        !t.name.startsWith('__') &&
        !['Query', 'Mutation', 'Subscription'].includes(t.name),
    )
    .filter((t) => isObjectType(t) && !t.getFields().id)
    .map((t) => t.name)
    .sort();
  const has = (type: string, field: string) => {
    const t = schema.getType(type);
    return isObjectType(t) && field in t.getFields();
  };
  return {
    unkeyed,
    features: { orderPdf: has('Order', 'pdf'), salesReport: has('Event', 'salesReport') },
  };
}

function schemaMeta(unkeyed: string[], features: Record<string, boolean>): string {
  return `// Generated by scripts/codegen.ts from the composed schema: do not edit.
/** Object types without an \`id\`: the normalized cache embeds them in their parent. */
export const UNKEYED_TYPES: readonly string[] = ${JSON.stringify(unkeyed)};
/** Parts of the contract that land later; the UI hides what the graph does not offer yet. */
export const SCHEMA_FEATURES = ${JSON.stringify(features)} as const;
`;
}

/**
 * A feature that lands later (src/optional/<name>/) is switched on once the graph has its field
 * and the feature's operations are valid against the graph. Until then its UI stays hidden: the
 * build of a service that adds the field is not broken by a client that guessed its shape.
 */
function adoptFeatures(
  schema: GraphQLSchema,
  present: Record<string, boolean>,
): Record<string, boolean> {
  const adopted: Record<string, boolean> = {};
  for (const [name, has] of Object.entries(present)) {
    adopted[name] = has;
    if (!has) continue;
    const dir = join(CLIENT, 'src', 'optional', name);
    for (const file of readdirSync(dir).filter((f) => /\.tsx?$/.test(f))) {
      for (const source of gqlPluckFromCodeStringSync(
        file,
        readFileSync(join(dir, file), 'utf8'),
      )) {
        const errors = validate(schema, parse(source.body));
        if (errors.length) {
          console.warn(
            `[codegen] WARNING: ${name} stays hidden: src/optional/${name}/${file} does not match the graph yet (${errors.map((e) => e.message).join('; ')})`,
          );
          adopted[name] = false;
        }
      }
    }
  }
  return adopted;
}

async function main(): Promise<void> {
  const sources = schemaSources();
  const schema = withSubscriptions(apiSchema(sources));

  mkdirSync(dirname(OUT_SCHEMA), { recursive: true });
  writeFileSync(
    OUT_SCHEMA,
    `# Generated by scripts/codegen.ts: the graph as clients see it. Do not edit.\n${printSchema(schema)}`,
  );
  const { unkeyed, features: present } = schemaFacts(schema);
  const features = adoptFeatures(schema, present);

  await generate(
    {
      schema: OUT_SCHEMA,
      // Operations for fields that land later live in src/optional/<feature>/ and are
      // checked against the contract once the graph has that feature.
      documents: [
        join(CLIENT, 'src/**/*.{ts,tsx}'),
        `!${join(CLIENT, 'src/gql/**')}`,
        ...Object.entries(features)
          .filter(([, on]) => !on)
          .map(([name]) => `!${join(CLIENT, 'src/optional', name, '**')}`),
      ],
      ignoreNoDocuments: false,
      silent: true,
      generates: {
        [join(CLIENT, 'src/gql/')]: {
          preset: 'client',
          // Every operation also goes into src/gql/persisted-documents.json ({ sha256: text }),
          // the router's trusted-documents manifest; documents carry their hash in __meta__.
          presetConfig: {
            fragmentMasking: false,
            persistedDocuments: { mode: 'embedHashInDocument', hashAlgorithm: sha256 },
          },
          // The router runs the registered text, so it must already ask for what the normalized
          // cache needs to key entities (__typename) — the cache cannot add it to a hash.
          documentTransforms: [addTypenameSelectionDocumentTransform],
          config: {
            scalars: { DateTime: 'string', Cents: 'number' },
            strictScalars: true,
            enumsAsTypes: true,
            useTypeImports: true,
            avoidOptionals: { field: true, inputValue: false, object: false, defaultValue: false },
          },
        },
      },
    },
    true,
  );
  writeFileSync(OUT_META, schemaMeta(unkeyed, features));
  console.log(
    `[codegen] types generated from ${sources.map((s) => s.name).join(', ')} + subscriptions`,
  );
}

main().catch((error: unknown) => {
  console.error(`[codegen] ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
