/**
 * Which module answers to which function name. A function is a module exporting
 * `handler(event, context)`; the worker threads load it by path.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';

export const BUILTIN_FUNCTIONS = ['render-tickets', 'sales-report', 'send-mail'] as const;
export type BuiltinFunctionName = (typeof BUILTIN_FUNCTIONS)[number];

const PACKAGES: Record<BuiltinFunctionName, string> = {
  'render-tickets': '@ko/lambda-render-tickets',
  'sales-report': '@ko/lambda-sales-report',
  'send-mail': '@ko/lambda-send-mail',
};

/**
 * True when this file runs from its TypeScript source (jest, tsx), false from the built `dist/`.
 * The runner then loads the workers and the handlers the same way: sources with sources, builds with builds,
 * so a test never runs a stale `dist/` and a production start never needs a TypeScript loader.
 */
export const RUNNING_FROM_SOURCE = __filename.endsWith('.ts');

/** The module implementing a built-in function: `src/handler.ts` from source, `dist/handler.js` when built. */
export function builtinHandlerPath(
  name: BuiltinFunctionName,
  fromSource = RUNNING_FROM_SOURCE,
): string {
  const dir = path.dirname(require.resolve(`${PACKAGES[name]}/package.json`));
  return fromSource ? path.join(dir, 'src', 'handler.ts') : path.join(dir, 'dist', 'handler.js');
}

/**
 * The function table: each built-in under its configured name (its own name unless renamed),
 * plus any extra `handlers` (name → module path; tests add failing or slow ones this way).
 */
export function buildRegistry(
  functionNames: Partial<Record<BuiltinFunctionName, string>> = {},
  handlers: Record<string, string> = {},
): Map<string, string> {
  const registry = new Map<string, string>();
  for (const name of BUILTIN_FUNCTIONS) {
    registry.set(functionNames[name] ?? name, builtinHandlerPath(name));
  }
  for (const [name, modulePath] of Object.entries(handlers)) {
    registry.set(name, path.resolve(modulePath));
  }
  for (const [name, modulePath] of registry) {
    if (!existsSync(modulePath)) {
      throw new Error(
        `Handler module for function "${name}" not found at ${modulePath}` +
          (modulePath.endsWith('.js')
            ? ' (run `npm run build` first, or start the runner from source with tsx)'
            : ''),
      );
    }
  }
  return registry;
}
