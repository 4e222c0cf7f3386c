import type { ApolloServerPlugin, BaseContext } from '@apollo/server';
import { GraphQLError, Kind, visit, type DocumentNode } from 'graphql';

/** The dotted path of the first string holding a NUL, e.g. `input.name`, or undefined. */
function nulPath(value: unknown, path: string): string | undefined {
  if (typeof value === 'string') return value.includes('\u0000') ? path : undefined;
  if (value && typeof value === 'object') {
    for (const [key, child] of Object.entries(value)) {
      const found = nulPath(child, path ? `${path}.${key}` : key);
      if (found) return found;
    }
  }
  return undefined;
}

/** The argument whose literal value holds a NUL, or undefined. */
function nulArgument(document: DocumentNode): string | undefined {
  let found: string | undefined;
  visit(document, {
    [Kind.ARGUMENT]: (node) => {
      if (found) return;
      visit(node.value, {
        [Kind.STRING]: (value) => {
          if (value.value.includes('\u0000')) found = node.name.value;
        },
      });
    },
  });
  return found;
}

/**
 * Refuses text containing NUL characters anywhere in a request. No field of ours accepts them,
 * and PostgreSQL cannot store them, so they would otherwise surface as internal errors.
 */
export function rejectNulCharacters<C extends BaseContext>(): ApolloServerPlugin<C> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ request, document }) {
          const field = nulPath(request.variables ?? {}, '') ?? nulArgument(document);
          if (field) {
            throw new GraphQLError('Text must not contain NUL (\\u0000) characters.', {
              extensions: { code: 'BAD_USER_INPUT', field, http: { status: 400 } },
            });
          }
        },
      };
    },
  };
}
