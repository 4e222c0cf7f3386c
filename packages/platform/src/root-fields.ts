import { Kind, type OperationDefinitionNode, type SelectionNode } from 'graphql';

/** A root selection that names no field here: a fragment spread, defined elsewhere. */
const UNNAMED = '';

/**
 * An operation's root fields as `Type.field` ("Mutation.joinWaitingRoom"), `__typename` aside,
 * inline fragments' included, or undefined for a subscription: how the router picks an operation
 * out by what it does. A fragment spread is UNNAMED.
 */
function namedRootFields(operation: OperationDefinitionNode): string[] | undefined {
  if (operation.operation === 'subscription') return undefined;
  const type = operation.operation === 'mutation' ? 'Mutation' : 'Query';
  const named: string[] = [];
  const visit = (selections: readonly SelectionNode[]) => {
    for (const s of selections) {
      if (s.kind === Kind.INLINE_FRAGMENT) visit(s.selectionSet.selections);
      else if (s.kind === Kind.FRAGMENT_SPREAD) named.push(UNNAMED);
      else if (s.name.value !== '__typename') named.push(`${type}.${s.name.value}`);
    }
  };
  visit(operation.selectionSet.selections);
  return named;
}

/**
 * Whether every root field of a query or mutation is one of `fields`, with at least one of them:
 * an upload's bigger body, a join's turn.
 */
export function onlyRootFields(
  operation: OperationDefinitionNode,
  fields: ReadonlySet<string>,
): boolean {
  const named = namedRootFields(operation);
  return !!named && named.length > 0 && named.every((field) => fields.has(field));
}

/**
 * Whether any root field of a query or mutation is one of `fields`: a post to refuse. A fragment
 * spread at the root might hold one, so it counts as one (when any field is named).
 */
export function anyRootField(
  operation: OperationDefinitionNode,
  fields: ReadonlySet<string>,
): boolean {
  if (fields.size === 0) return false;
  return namedRootFields(operation)?.some((f) => f === UNNAMED || fields.has(f)) ?? false;
}
