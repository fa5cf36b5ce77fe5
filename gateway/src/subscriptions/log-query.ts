import {
  Kind,
  visit,
  type ArgumentNode,
  type DocumentNode,
  type FieldNode,
  type OperationDefinitionNode,
  type NamedTypeNode,
  type VariableDefinitionNode,
  type VariableNode,
} from 'graphql';

export const AFTER_VARIABLE = '_gatewayAfter';
export const FIRST_VARIABLE = '_gatewayFirst';
/** The cursor of every update, selected under this alias whatever the client selected. */
export const CURSOR_ALIAS = '_gatewayCursor';

const variable = (name: string): VariableNode => ({
  kind: Kind.VARIABLE,
  name: { kind: Kind.NAME, value: name },
});
const named = (name: string): NamedTypeNode => ({
  kind: Kind.NAMED_TYPE,
  name: { kind: Kind.NAME, value: name },
});

/**
 * The query that reads a subscription's log: the client's root field becomes the log field (same
 * response key, same arguments but `after`/`first`, which the gateway sets), under it the client's
 * selection unchanged, with the client's fragments. Executed by the gateway's query planner, so
 * every field the client selected, from any subgraph, resolves as in a query.
 */
export function logQuery(
  document: DocumentNode,
  operation: OperationDefinitionNode,
  root: FieldNode,
  logField: string,
): DocumentNode {
  const args: ArgumentNode[] = [
    ...(root.arguments ?? []).filter((a) => a.name.value !== 'after' && a.name.value !== 'first'),
    {
      kind: Kind.ARGUMENT,
      name: { kind: Kind.NAME, value: 'after' },
      value: variable(AFTER_VARIABLE),
    },
    {
      kind: Kind.ARGUMENT,
      name: { kind: Kind.NAME, value: 'first' },
      value: variable(FIRST_VARIABLE),
    },
  ];
  const cursor: FieldNode = {
    kind: Kind.FIELD,
    alias: { kind: Kind.NAME, value: CURSOR_ALIAS },
    name: { kind: Kind.NAME, value: 'cursor' },
  };
  const field: FieldNode = {
    ...root,
    selectionSet: {
      kind: Kind.SELECTION_SET,
      selections: [...(root.selectionSet?.selections ?? []), cursor],
    },
    alias: { kind: Kind.NAME, value: root.alias?.value ?? root.name.value },
    name: { kind: Kind.NAME, value: logField },
    arguments: args,
  };
  const fragments = document.definitions.filter((d) => d.kind === Kind.FRAGMENT_DEFINITION);
  // Only the variables still used: the client's `$after` may now be unused, which is invalid.
  const used = new Set<string>();
  for (const node of [...fragments, field])
    visit(node, {
      Variable: (v) => {
        used.add(v.name.value);
      },
    });
  const definitions: VariableDefinitionNode[] = [
    ...(operation.variableDefinitions ?? []).filter((d) => used.has(d.variable.name.value)),
    { kind: Kind.VARIABLE_DEFINITION, variable: variable(AFTER_VARIABLE), type: named('String') },
    {
      kind: Kind.VARIABLE_DEFINITION,
      variable: variable(FIRST_VARIABLE),
      type: { kind: Kind.NON_NULL_TYPE, type: named('Int') },
    },
  ];
  const query: OperationDefinitionNode = {
    kind: Kind.OPERATION_DEFINITION,
    operation: 'query' as OperationDefinitionNode['operation'],
    name: { kind: Kind.NAME, value: 'SubscriptionLog' },
    variableDefinitions: definitions,
    directives: [],
    selectionSet: { kind: Kind.SELECTION_SET, selections: [field] },
  };
  return { kind: Kind.DOCUMENT, definitions: [query, ...fragments] };
}
