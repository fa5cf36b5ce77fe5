import {
  getArgumentValues,
  getDirectiveValues,
  getNamedType,
  getNullableType,
  GraphQLError,
  GraphQLIncludeDirective,
  GraphQLSkipDirective,
  isAbstractType,
  isCompositeType,
  isInterfaceType,
  isListType,
  isObjectType,
  Kind,
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLCompositeType,
  type GraphQLField,
  type GraphQLObjectType,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionSetNode,
} from 'graphql';

/** One field as it appears in an operation (each alias, and each spread of a fragment, is its own occurrence). */
export interface FieldOccurrence {
  /** `Type.field` of the parent type the field was selected on. */
  readonly coordinate: string;
  /** Object, interface, union, scalar or enum the field returns. */
  readonly returnType: string;
  /**
   * For a field selected on an interface: `Type.field` of every concrete type it can resolve to
   * there, narrowed by the enclosing selections (`... on Node { id }` inside a `Product` selects
   * `Product.id` only). Empty for a field selected on an object type.
   */
  readonly implementations: readonly string[];
}

/** The concrete `Type.field`s an occurrence can resolve to: its implementations, or itself. */
export const concreteCoordinates = (field: FieldOccurrence): readonly string[] =>
  field.implementations.length > 0 ? field.implementations : [field.coordinate];

/** The static shape of an operation, computed once and shared by the limit, auth and rate-limit features. */
export interface OperationShape {
  readonly fields: readonly FieldOccurrence[];
  readonly depth: number;
  /**
   * Deepest nesting of selection sets, inline fragments and fragment spreads included (`depth`
   * counts fields only, so `{ ...on Query { ...on Query { ... } } }` has depth 0 at any nesting).
   */
  readonly nesting: number;
  readonly cost: number;
  readonly aliases: number;
  /**
   * False when the walk stopped because the depth, nesting or cost passed its limit: that figure is
   * then a lower bound already past its limit, and `fields` is partial. Such an operation
   * must be rejected, never authorised from its partial field list.
   */
  readonly complete: boolean;
}

/**
 * Argument names read as page sizes, on the field itself or inside an input object argument
 * (`products(page: {first: 20})`). A field that takes one returns a page: its cost is multiplied by
 * the page size, whether it returns a list or a connection object.
 */
export const PAGE_SIZE_ARGUMENTS: readonly string[] = [
  'first',
  'last',
  'limit',
  'pageSize',
  'take',
  'size',
];

export interface ShapeOptions {
  /** Multiplier for a list field without a page-size or list argument. @default 10 */
  readonly defaultListSize?: number;
  /**
   * Stop walking once a field is deeper than this (the operation is then over the limit, see
   * `complete`). Pass the limit the operation will be checked against. @default 12
   */
  readonly maxDepth?: number;
  /** Stop walking once the cost is over this (see `maxDepth`). @default 5000 */
  readonly maxCost?: number;
  /**
   * Stop walking once selections nest deeper than this, inline fragments and fragment spreads
   * counted (see `maxDepth`). Inline fragments cost nothing and add no depth, yet about 1,500 of
   * them nested (20 kB) overflow the query planner's stack. @default 4 * maxDepth
   */
  readonly maxNesting?: number;
}

/** Thrown inside the walk to stop it at a limit; never leaves `operationShape`. */
class LimitPassed extends Error {
  constructor(
    readonly limit: 'depth' | 'nesting' | 'cost',
    readonly value: number,
  ) {
    super(`${limit} limit passed`);
  }
}

/**
 * Field occurrences as a tree: a fragment's contribution is referenced, not copied, at each spread,
 * so building the shape stays linear even for a chain of fragments each spreading the next.
 */
type Part = FieldOccurrence | Contribution;

/** What a selection walk collected. `fieldCount` counts the occurrences under `parts`. */
interface Collected {
  readonly parts: Part[];
  fieldCount: number;
  /** Deepest field, relative to where the walk started. */
  depth: number;
  /** Deepest selection (field, inline fragment or spread), relative to where the walk started. */
  nesting: number;
  aliases: number;
}

/** What one fragment contributes wherever it is spread: computed once per (fragment, possible types). */
interface Contribution extends Readonly<Collected> {
  readonly cost: number;
}

const isContribution = (part: Part): part is Contribution => 'parts' in part;

/** The occurrences in order; contributions with no field are never stored, so this is linear in the result. */
function flatten(parts: readonly Part[]): FieldOccurrence[] {
  const fields: FieldOccurrence[] = [];
  const stack: Part[] = [...parts].reverse();
  for (let part = stack.pop(); part !== undefined; part = stack.pop()) {
    if (!isContribution(part)) fields.push(part);
    else for (let i = part.parts.length - 1; i >= 0; i -= 1) stack.push(part.parts[i] as Part);
  }
  return fields;
}

const collector = (): Collected => ({
  parts: [],
  fieldCount: 0,
  depth: 0,
  nesting: 0,
  aliases: 0,
});

/** The type a selection set is on, and the concrete types it can still be at that point. */
interface Scope {
  readonly type: GraphQLCompositeType;
  readonly possible: readonly GraphQLObjectType[];
}

const badPageSize = (coordinate: string, name: string, value: unknown): GraphQLError =>
  new GraphQLError(
    `${coordinate}: page size "${name}" must be a positive integer, got ${String(value)}`,
    { extensions: { code: 'BAD_USER_INPUT', http: { status: 400 } } },
  );

/**
 * Largest page size and longest list among a field's coerced argument values, looking inside input
 * objects and lists at any depth (an explicit stack: a recursive input type cannot overflow it).
 * A page size that is not a positive integer is refused: `first: 0` would cost nothing here, and
 * `limit(0)` means "no limit" to MongoDB.
 */
function scanArguments(
  coordinate: string,
  args: Readonly<Record<string, unknown>>,
): { pageSize: number | undefined; longestList: number } {
  let pageSize: number | undefined;
  let longestList = 0;
  const stack: unknown[] = [args];
  while (stack.length > 0) {
    const value = stack.pop();
    if (Array.isArray(value)) {
      longestList = Math.max(longestList, value.length);
      for (const item of value) if (typeof item === 'object' && item !== null) stack.push(item);
    } else if (typeof value === 'object' && value !== null) {
      for (const [name, inner] of Object.entries(value)) {
        if (PAGE_SIZE_ARGUMENTS.includes(name) && typeof inner === 'number') {
          if (!Number.isInteger(inner) || inner < 1) throw badPageSize(coordinate, name, inner);
          pageSize = Math.max(pageSize ?? 0, inner);
        } else if (typeof inner === 'object' && inner !== null) stack.push(inner);
      }
    }
  }
  return { pageSize, longestList };
}

/**
 * Walks the selected operation with fragments expanded and `@skip`/`@include` applied.
 *
 * Cost is `multiplier * (1 + cost of children)` per field. A field's multiplier is its largest
 * page-size argument (`first`, `limit`, ..., see PAGE_SIZE_ARGUMENTS) if it has one; else, for a list
 * field, the larger of `defaultListSize` and its longest list argument (`products(ids: [...100])`
 * costs 100); else 1. `variables` must be the coerced values (graphql's `getVariableValues`, defaults
 * applied), not the raw request variables.
 *
 * The walk is linear in the document, whatever it spreads: a named fragment's contribution (cost,
 * relative depth, aliases, fields) is computed once per set of possible types it is spread into and
 * reused at every other spread, so `fragment F0 {...F1 ...F1} fragment F1 {...F2 ...F2} ...` costs
 * one visit per fragment, not 2^n; a contribution is referenced, not copied, where it is spread.
 * The field list still holds one entry per occurrence (the rate limit counts them), but every
 * occurrence costs at least 1 and the walk stops once the cost passes `maxCost` (`complete:
 * false`), so the list never grows beyond about twice `maxCost` entries.
 *
 * @throws GraphQLError `BAD_USER_INPUT` for a page size that is not a positive integer.
 */
export function operationShape(
  schema: GraphQLSchema,
  document: DocumentNode,
  operation: OperationDefinitionNode,
  variables: Readonly<Record<string, unknown>> = {},
  options: ShapeOptions = {},
): OperationShape {
  const defaultListSize = options.defaultListSize ?? 10;
  const maxDepth = options.maxDepth ?? 12;
  const maxCost = options.maxCost ?? 5000;
  const maxNesting = options.maxNesting ?? 4 * maxDepth;
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const def of document.definitions)
    if (def.kind === Kind.FRAGMENT_DEFINITION) fragments.set(def.name.value, def);
  /** Keyed by fragment name and possible types; `null` while being computed (a cycle). */
  const contributions = new Map<string, Contribution | null>();

  const included = (node: { directives?: readonly unknown[] | undefined }): boolean => {
    if (node.directives === undefined || node.directives.length === 0) return true;
    const n = node as Parameters<typeof getDirectiveValues>[1];
    const skip = getDirectiveValues(GraphQLSkipDirective, n, variables);
    if (skip?.if === true) return false;
    const include = getDirectiveValues(GraphQLIncludeDirective, n, variables);
    return include?.if !== false;
  };

  const narrow = (scope: Scope, typeName: string | undefined): Scope | undefined => {
    if (typeName === undefined) return scope;
    const type = schema.getType(typeName);
    if (type === undefined || type === null || !isCompositeType(type)) return undefined;
    return {
      type,
      possible: scope.possible.filter((t) =>
        isAbstractType(type) ? schema.isSubType(type, t) : t === type,
      ),
    };
  };

  const multiplier = (
    coordinate: string,
    def: GraphQLField<unknown, unknown>,
    node: FieldNode,
  ): number => {
    if ((node.arguments ?? []).length === 0 && def.args.every((a) => a.defaultValue === undefined))
      return isListType(getNullableType(def.type)) ? defaultListSize : 1;
    // Validation passed and the variables were coerced, so this does not throw in practice.
    let args: Record<string, unknown>;
    try {
      args = getArgumentValues(def, node, variables);
    } catch {
      args = {};
    }
    const { pageSize, longestList } = scanArguments(coordinate, args);
    if (pageSize !== undefined) return pageSize;
    return isListType(getNullableType(def.type)) ? Math.max(defaultListSize, longestList) : 1;
  };

  /**
   * Walks one selection set into `out`; returns its cost. `depth` and `nesting` (of the selection
   * set) are relative to `out`'s origin.
   */
  const walk = (
    selectionSet: SelectionSetNode,
    scope: Scope,
    depth: number,
    nesting: number,
    out: Collected,
  ): number => {
    let cost = 0;
    // Every selection in this set is one level deeper than the set's owner.
    const level = nesting + 1;
    if (level > maxNesting) throw new LimitPassed('nesting', level);
    out.nesting = Math.max(out.nesting, level);
    const add = (more: number): void => {
      cost += more;
      if (cost > maxCost) throw new LimitPassed('cost', cost);
    };
    for (const selection of selectionSet.selections) {
      if (!included(selection)) continue;
      if (selection.kind === Kind.INLINE_FRAGMENT) {
        const inner = narrow(scope, selection.typeCondition?.name.value);
        if (inner !== undefined) add(walk(selection.selectionSet, inner, depth, level, out));
        continue;
      }
      if (selection.kind === Kind.FRAGMENT_SPREAD) {
        const fragment = fragments.get(selection.name.value);
        const inner = fragment && narrow(scope, fragment.typeCondition.name.value);
        if (fragment === undefined || inner === undefined) continue;
        const part = contribution(fragment, inner);
        if (part === undefined) continue;
        if (depth + part.depth > maxDepth) throw new LimitPassed('depth', depth + part.depth);
        // The fragment's selections are one level below the spread, like an inline fragment's.
        if (level + part.nesting > maxNesting)
          throw new LimitPassed('nesting', level + part.nesting);
        out.depth = Math.max(out.depth, depth + part.depth);
        out.nesting = Math.max(out.nesting, level + part.nesting);
        out.aliases += part.aliases;
        if (part.fieldCount > 0) {
          out.parts.push(part);
          out.fieldCount += part.fieldCount;
        }
        add(part.cost);
        continue;
      }
      const name = selection.name.value;
      if (selection.alias !== undefined) out.aliases += 1;
      if (name.startsWith('__')) continue;
      const parent = scope.type;
      if (!isObjectType(parent) && !isInterfaceType(parent)) continue;
      const def = parent.getFields()[name];
      if (def === undefined) continue;
      const fieldDepth = depth + 1;
      if (fieldDepth > maxDepth) throw new LimitPassed('depth', fieldDepth);
      out.depth = Math.max(out.depth, fieldDepth);
      const coordinate = `${parent.name}.${name}`;
      const named = getNamedType(def.type);
      out.fieldCount += 1;
      out.parts.push({
        coordinate,
        returnType: named.name,
        implementations: isInterfaceType(parent)
          ? scope.possible.map((t) => `${t.name}.${name}`)
          : [],
      });
      const times = multiplier(coordinate, def, selection);
      const childCost =
        selection.selectionSet !== undefined && isCompositeType(named)
          ? walk(
              selection.selectionSet,
              {
                type: named,
                possible: isAbstractType(named) ? schema.getPossibleTypes(named) : [named],
              },
              fieldDepth,
              level,
              out,
            )
          : 0;
      add(times * (1 + childCost));
    }
    return cost;
  };

  const contribution = (
    fragment: FragmentDefinitionNode,
    scope: Scope,
  ): Contribution | undefined => {
    const key = `${fragment.name.value}|${scope.possible.map((t) => t.name).join(',')}`;
    const known = contributions.get(key);
    // null: a fragment that spreads itself; validation rejects that before the walk.
    if (known !== undefined) return known ?? undefined;
    contributions.set(key, null);
    const out = collector();
    const cost = walk(fragment.selectionSet, scope, 0, 0, out);
    const part: Contribution = { ...out, cost };
    contributions.set(key, part);
    return part;
  };

  const root = schema.getRootType(operation.operation);
  const out = collector();
  let cost = 0;
  let complete = true;
  try {
    if (root !== undefined && root !== null)
      cost = walk(operation.selectionSet, { type: root, possible: [root] }, 0, 0, out);
  } catch (err) {
    if (!(err instanceof LimitPassed)) throw err;
    complete = false;
    if (err.limit === 'depth') out.depth = Math.max(out.depth, err.value);
    else if (err.limit === 'nesting') out.nesting = Math.max(out.nesting, err.value);
    else cost = err.value;
  }
  return {
    fields: flatten(out.parts),
    depth: out.depth,
    nesting: out.nesting,
    cost,
    aliases: out.aliases,
    complete,
  };
}
