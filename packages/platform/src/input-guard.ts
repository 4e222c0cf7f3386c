import type { ApolloServerPlugin, BaseContext } from '@apollo/server';
import { GraphQLError, Kind, visit, type DocumentNode } from 'graphql';
import { badInput } from './errors';

/**
 * Characters no text field of ours accepts: control characters but tab, line feed and carriage
 * return (NUL cannot even be stored by PostgreSQL), bidirectional embeddings, overrides and
 * isolates (they make text read differently from what it is: "Trojan Source", spoofed names),
 * and lone UTF-16 surrogates (not text at all).
 */
const UNSAFE =
  // eslint-disable-next-line no-control-regex -- matching control characters is the point
  /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F\u202A-\u202E\u2066-\u2069]|\p{Cs}/u;

/** True when `text` holds a character no text field accepts (see UNSAFE). */
export const hasUnsafeCharacters = (text: string): boolean => UNSAFE.test(text);

/**
 * Characters that show nothing: white space, format characters (zero-width spaces and joiners,
 * direction marks, soft hyphens, byte-order marks) and the blank-looking fillers (Hangul, braille,
 * Mongolian vowel separator).
 */
const INVISIBLE = /[\s\p{Cf}\p{Z}\u115F\u1160\u3164\uFFA0\u2800\u180E]/gu;

/** `text` without its invisible characters: empty means there is nothing to read. */
export const visibleText = (text: string): string => text.replace(INVISIBLE, '');

/**
 * How many characters `text` has as PostgreSQL's `char_length` counts them: code points, so an
 * emoji is one character, not two UTF-16 units. Every length limit on stored text uses this: the
 * database's CHECK constraints count the same way.
 */
export const characterCount = (text: string): number => {
  let count = 0;
  for (const _ of text) count += 1;
  return count;
};

/**
 * The domain's own check of one text field (the request-wide plugin below may not stand in front
 * of every caller): BAD_USER_INPUT naming `field` for unsafe characters, or, when the field is
 * `required`, for text that shows nothing once invisible characters are taken out.
 */
export function checkText(text: string, field: string, options: { required: boolean }): void {
  if (hasUnsafeCharacters(text))
    throw badInput(`The ${field} cannot hold control characters or direction overrides.`, {
      field,
    });
  if (options.required && visibleText(text).length === 0)
    throw badInput(`The ${field} must have some visible text.`, { field });
}

/** The dotted path of the first string holding an unsafe character, e.g. `input.name`, or undefined. */
function unsafePath(value: unknown, path: string): string | undefined {
  if (typeof value === 'string') return hasUnsafeCharacters(value) ? path : undefined;
  if (value && typeof value === 'object') {
    for (const [key, child] of Object.entries(value)) {
      const found = unsafePath(child, path ? `${path}.${key}` : key);
      if (found) return found;
    }
  }
  return undefined;
}

/**
 * The argument whose literal value holds an unsafe character, or undefined. Depends on the
 * document only, and Apollo Server hands out one parsed DocumentNode per query text (its
 * document store), so the answer is kept per document (a WeakMap: it goes with the document).
 */
const unsafeArguments = new WeakMap<DocumentNode, string | null>();
function unsafeArgument(document: DocumentNode): string | undefined {
  let found = unsafeArguments.get(document);
  if (found === undefined) {
    found = null;
    visit(document, {
      [Kind.ARGUMENT]: (node) => {
        if (found) return;
        visit(node.value, {
          [Kind.STRING]: (value) => {
            if (hasUnsafeCharacters(value.value)) found = node.name.value;
          },
        });
      },
    });
    unsafeArguments.set(document, found);
  }
  return found ?? undefined;
}

/**
 * Refuses a request carrying unsafe characters (UNSAFE) in any text, variable or literal, before
 * anything runs: one rule for every field, in the router and again in every subgraph.
 */
export function rejectUnsafeCharacters<C extends BaseContext>(): ApolloServerPlugin<C> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ request, document }) {
          const field = unsafePath(request.variables ?? {}, '') ?? unsafeArgument(document);
          if (field) {
            throw new GraphQLError(
              'Text must not contain control characters or bidirectional overrides.',
              { extensions: { code: 'BAD_USER_INPUT', field, http: { status: 400 } } },
            );
          }
        },
      };
    },
  };
}
