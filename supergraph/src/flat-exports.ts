/**
 * The gateway's libraries are CommonJS compiled by TypeScript and Babel, whose package entry
 * points re-export every binding through a getter (`Object.defineProperty(exports, name, { get })`).
 * The gateway reads those bindings on every request, in its hot paths (`graphql_1.isObjectType`,
 * `federation_internals_1.Selection...`), and in router profiles under the browse page the getters
 * alone took about 8.7% of the router's time. Their values never change after loading (functions,
 * classes and constants), so each entry point is swapped in the module cache, before the gateway
 * loads, for a plain object holding the same values: the same functions and classes (identity and
 * `instanceof` unchanged), read as data properties.
 */

/** Entry points whose exports the gateway reads per request. */
export const HOT_ENTRY_POINTS = [
  'graphql',
  '@apollo/federation-internals',
  '@apollo/query-planner',
];

/** A module's exports as a plain object of the same values (and its `__esModule` mark). */
export function flatCopy(exports: object): Record<string, unknown> {
  const flat: Record<string, unknown> = { ...exports };
  if ((exports as { __esModule?: unknown }).__esModule)
    Object.defineProperty(flat, '__esModule', { value: true });
  return flat;
}

/** Replaces each entry point's cached exports with their flat copy; returns those replaced. */
export function flattenEntryPoints(specifiers: readonly string[] = HOT_ENTRY_POINTS): string[] {
  const replaced: string[] = [];
  for (const specifier of specifiers) {
    const path = require.resolve(specifier);
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- the module cache is the point
    const exports = require(specifier) as object;
    const cached = require.cache[path];
    if (!cached || cached.exports !== exports) continue;
    cached.exports = flatCopy(exports);
    replaced.push(specifier);
  }
  return replaced;
}

flattenEntryPoints();
