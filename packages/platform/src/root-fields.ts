import { Kind, type OperationDefinitionNode } from 'graphql';

/**
 * Whether every root field of a query or mutation is one of `fields` (named `Type.field`, as
 * "Mutation.joinWaitingRoom"), `__typename` aside, with at least one of them: how the router
 * picks an operation out by what it does (an upload's bigger body, a join's turn).
 */
export function onlyRootFields(
  operation: OperationDefinitionNode,
  fields: ReadonlySet<string>,
): boolean {
  if (operation.operation === 'subscription') return false;
  const type = operation.operation === 'mutation' ? 'Mutation' : 'Query';
  const selections = operation.selectionSet.selections;
  return (
    selections.every(
      (s) =>
        s.kind === Kind.FIELD &&
        (s.name.value === '__typename' || fields.has(`${type}.${s.name.value}`)),
    ) && selections.some((s) => s.kind === Kind.FIELD && s.name.value !== '__typename')
  );
}

/** Whether any root field of a query or mutation is one of `fields` (named as above). */
export function anyRootField(
  operation: OperationDefinitionNode,
  fields: ReadonlySet<string>,
): boolean {
  if (operation.operation === 'subscription') return false;
  const type = operation.operation === 'mutation' ? 'Mutation' : 'Query';
  return operation.selectionSet.selections.some(
    (s) => s.kind === Kind.FIELD && fields.has(`${type}.${s.name.value}`),
  );
}
