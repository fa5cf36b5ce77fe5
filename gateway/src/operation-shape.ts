import {
  getDirectiveValues,
  getNamedType,
  getNullableType,
  GraphQLIncludeDirective,
  GraphQLSkipDirective,
  isAbstractType,
  isCompositeType,
  isInterfaceType,
  isListType,
  isObjectType,
  Kind,
  valueFromASTUntyped,
  type DocumentNode,
  type FragmentDefinitionNode,
  type GraphQLCompositeType,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionSetNode,
} from 'graphql';

/** One field as it appears in an operation (each alias is its own occurrence). */
export interface FieldOccurrence {
  /** `Type.field` of the parent type the field was selected on. */
  readonly coordinate: string;
  /** Object, interface, scalar or enum the field returns. */
  readonly returnType: string;
  /** For a field selected on an interface or union: the possible concrete types' coordinates. */
  readonly implementations: readonly string[];
  readonly depth: number;
}

/** The static shape of an operation, computed once and shared by the limit, auth and rate-limit features. */
export interface OperationShape {
  readonly fields: readonly FieldOccurrence[];
  readonly depth: number;
  readonly cost: number;
  readonly aliases: number;
}

const PAGE_ARGS = ['first', 'last', 'limit', 'pageSize', 'take', 'size'];

export interface ShapeOptions {
  /** Multiplier for a list field without a page-size argument. @default 10 */
  readonly defaultListSize?: number;
}

/**
 * Walks the selected operation with fragments expanded and `@skip`/`@include` applied.
 * Cost is `multiplier * (1 + cost of children)` per field, where a list field's multiplier is its
 * page-size argument (`first`, `limit`, ...) or `defaultListSize`. `variables` must be the coerced
 * values (graphql's `getVariableValues`, defaults applied), not the raw request variables.
 */
export function operationShape(
  schema: GraphQLSchema,
  document: DocumentNode,
  operation: OperationDefinitionNode,
  variables: Readonly<Record<string, unknown>> = {},
  options: ShapeOptions = {},
): OperationShape {
  const defaultListSize = options.defaultListSize ?? 10;
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const def of document.definitions)
    if (def.kind === Kind.FRAGMENT_DEFINITION) fragments.set(def.name.value, def);
  const fields: FieldOccurrence[] = [];
  let maxDepth = 0;
  let aliases = 0;

  const included = (node: { directives?: readonly unknown[] | undefined }): boolean => {
    if (node.directives === undefined || node.directives.length === 0) return true;
    const n = node as Parameters<typeof getDirectiveValues>[1];
    const skip = getDirectiveValues(GraphQLSkipDirective, n, variables);
    if (skip?.if === true) return false;
    const include = getDirectiveValues(GraphQLIncludeDirective, n, variables);
    return include?.if !== false;
  };

  const walk = (
    selectionSet: SelectionSetNode,
    parent: GraphQLCompositeType,
    depth: number,
    seen: ReadonlySet<string>,
  ): number => {
    let cost = 0;
    for (const selection of selectionSet.selections) {
      if (!included(selection)) continue;
      if (selection.kind === Kind.INLINE_FRAGMENT) {
        const cond = selection.typeCondition
          ? schema.getType(selection.typeCondition.name.value)
          : parent;
        if (cond !== undefined && cond !== null && isCompositeType(cond))
          cost += walk(selection.selectionSet, cond, depth, seen);
        continue;
      }
      if (selection.kind === Kind.FRAGMENT_SPREAD) {
        const name = selection.name.value;
        const fragment = fragments.get(name);
        if (fragment === undefined || seen.has(name)) continue;
        const cond = schema.getType(fragment.typeCondition.name.value);
        if (cond !== undefined && cond !== null && isCompositeType(cond))
          cost += walk(fragment.selectionSet, cond, depth, new Set([...seen, name]));
        continue;
      }
      const name = selection.name.value;
      if (selection.alias !== undefined) aliases += 1;
      if (name.startsWith('__')) continue;
      if (!isObjectType(parent) && !isInterfaceType(parent)) continue;
      const def = parent.getFields()[name];
      if (def === undefined) continue;
      const fieldDepth = depth + 1;
      maxDepth = Math.max(maxDepth, fieldDepth);
      const named = getNamedType(def.type);
      fields.push({
        coordinate: `${parent.name}.${name}`,
        returnType: named.name,
        implementations: isAbstractType(parent)
          ? schema.getPossibleTypes(parent).map((t) => `${t.name}.${name}`)
          : [],
        depth: fieldDepth,
      });
      let multiplier = 1;
      if (isListType(getNullableType(def.type))) {
        multiplier = defaultListSize;
        for (const arg of selection.arguments ?? []) {
          if (!PAGE_ARGS.includes(arg.name.value)) continue;
          const value = valueFromASTUntyped(arg.value, variables);
          if (typeof value === 'number' && Number.isFinite(value)) multiplier = Math.max(1, value);
        }
      }
      const childCost =
        selection.selectionSet !== undefined && isCompositeType(named)
          ? walk(selection.selectionSet, named, fieldDepth, seen)
          : 0;
      cost += multiplier * (1 + childCost);
    }
    return cost;
  };

  const root = schema.getRootType(operation.operation);
  const cost = root ? walk(operation.selectionSet, root, 0, new Set()) : 0;
  return { fields, depth: maxDepth, cost, aliases };
}
