import {
  getArgumentValues,
  getDirectiveValues,
  getNamedType,
  GraphQLIncludeDirective,
  GraphQLSkipDirective,
  isAbstractType,
  isCompositeType,
  isInterfaceType,
  isObjectType,
  Kind,
  type DocumentNode,
  type FragmentDefinitionNode,
  type GraphQLCompositeType,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionSetNode,
} from 'graphql';

/** Calls of one rate-limited field with the same identity-argument values. */
export interface LimitedCall {
  /** `Type.field` the limit is declared on (a concrete type's, for a field selected on an interface). */
  readonly coordinate: string;
  /** The values at the requested argument paths (`input.email` -> "a@b.c"), in request order. */
  readonly args: Readonly<Record<string, unknown>>;
  /** How many times the operation calls it (each alias, each fragment spread), saturated at 2^31. */
  readonly count: number;
}

const CAP = 2 ** 31;

type Calls = Map<string, LimitedCall>;

const add = (into: Calls, from: Calls): void => {
  for (const [key, call] of from) {
    const have = into.get(key);
    into.set(
      key,
      have === undefined ? call : { ...have, count: Math.min(CAP, have.count + call.count) },
    );
  }
};

/** `input.email` in `{ input: { email } }`; undefined where the path does not exist. */
const at = (args: Record<string, unknown>, path: string): unknown => {
  let value: unknown = args;
  for (const part of path.split('.')) {
    if (typeof value !== 'object' || value === null) return undefined;
    value = (value as Record<string, unknown>)[part];
  }
  return value;
};

/**
 * Every call of a rate-limited field in the operation, with the argument values its limits key on.
 * `limited` maps each limited coordinate to the argument paths its rules read. Linear in the
 * document: a fragment is walked once per parent type and its calls multiplied at each spread, so
 * doubling fragments (`F0 {...F1 ...F1}` ...) cost nothing extra here. A field selected on an
 * interface or union counts against the limits of every possible type's field of that name.
 * `variables` must be the coerced values.
 */
export function collectLimitedCalls(
  schema: GraphQLSchema,
  document: DocumentNode,
  operation: OperationDefinitionNode,
  variables: Readonly<Record<string, unknown>>,
  limited: ReadonlyMap<string, readonly string[]>,
): LimitedCall[] {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const def of document.definitions)
    if (def.kind === Kind.FRAGMENT_DEFINITION) fragments.set(def.name.value, def);
  const memo = new Map<string, Calls>();
  const inProgress = new Set<string>();

  const included = (node: { directives?: readonly unknown[] | undefined }): boolean => {
    if (node.directives === undefined || node.directives.length === 0) return true;
    const n = node as Parameters<typeof getDirectiveValues>[1];
    if (getDirectiveValues(GraphQLSkipDirective, n, variables)?.if === true) return false;
    return getDirectiveValues(GraphQLIncludeDirective, n, variables)?.if !== false;
  };

  const walk = (selectionSet: SelectionSetNode, parent: GraphQLCompositeType): Calls => {
    const calls: Calls = new Map();
    for (const selection of selectionSet.selections) {
      if (!included(selection)) continue;
      if (selection.kind === Kind.INLINE_FRAGMENT) {
        const cond = selection.typeCondition
          ? schema.getType(selection.typeCondition.name.value)
          : parent;
        if (cond && isCompositeType(cond)) add(calls, walk(selection.selectionSet, cond));
        continue;
      }
      if (selection.kind === Kind.FRAGMENT_SPREAD) {
        const fragment = fragments.get(selection.name.value);
        if (fragment === undefined) continue;
        const cond = schema.getType(fragment.typeCondition.name.value);
        if (!cond || !isCompositeType(cond)) continue;
        const key = `${fragment.name.value}@${cond.name}`;
        let inner = memo.get(key);
        if (inner === undefined) {
          if (inProgress.has(key)) continue; // a cycle; validation rejects these anyway
          inProgress.add(key);
          inner = walk(fragment.selectionSet, cond);
          inProgress.delete(key);
          memo.set(key, inner);
        }
        add(calls, inner);
        continue;
      }
      const name = selection.name.value;
      if (name.startsWith('__') || (!isObjectType(parent) && !isInterfaceType(parent))) continue;
      const def = parent.getFields()[name];
      if (def === undefined) continue;
      const coordinates = [
        `${parent.name}.${name}`,
        ...(isAbstractType(parent)
          ? schema.getPossibleTypes(parent).map((t) => `${t.name}.${name}`)
          : []),
      ].filter((c) => limited.has(c));
      if (coordinates.length > 0) {
        let argValues: Record<string, unknown> = {};
        try {
          argValues = getArgumentValues(def, selection, variables);
        } catch {
          // invalid arguments: execution rejects the operation; count the call all the same
        }
        for (const coordinate of coordinates) {
          const args: Record<string, unknown> = {};
          for (const path of limited.get(coordinate) ?? []) args[path] = at(argValues, path);
          const key = `${coordinate} ${JSON.stringify(args)}`;
          add(calls, new Map([[key, { coordinate, args, count: 1 }]]));
        }
      }
      const named = getNamedType(def.type);
      if (selection.selectionSet !== undefined && isCompositeType(named))
        add(calls, walk(selection.selectionSet, named));
    }
    return calls;
  };

  const root = schema.getRootType(operation.operation);
  return root ? [...walk(operation.selectionSet, root).values()] : [];
}
