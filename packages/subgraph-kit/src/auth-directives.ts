import { ForbiddenError, UnauthenticatedError } from '@shop/platform';
import {
  defaultFieldResolver,
  isObjectType,
  Kind,
  type ConstDirectiveNode,
  type GraphQLFieldResolver,
  type GraphQLSchema,
} from 'graphql';
import type { Identity } from './identity.js';

/** What a field demands of its caller, read from `@authenticated` and `@requiresScopes`. */
export interface AccessRule {
  readonly authenticated: boolean;
  /** Any one inner list must be fully held (OR of ANDs), as in Federation's `@requiresScopes`. */
  readonly scopes: readonly (readonly string[])[];
}

function ruleOf(directives: readonly ConstDirectiveNode[] | undefined): AccessRule | undefined {
  let authenticated = false;
  const scopes: string[][] = [];
  for (const d of directives ?? []) {
    const name = d.name.value;
    if (name === 'authenticated' || name === 'federation__authenticated') authenticated = true;
    if (name === 'requiresScopes' || name === 'federation__requiresScopes') {
      authenticated = true;
      const arg = d.arguments?.find((a) => a.name.value === 'scopes')?.value;
      if (arg?.kind === Kind.LIST) {
        for (const inner of arg.values) {
          if (inner.kind !== Kind.LIST) continue;
          scopes.push(inner.values.flatMap((v) => (v.kind === Kind.STRING ? [v.value] : [])));
        }
      }
    }
  }
  return authenticated ? { authenticated, scopes } : undefined;
}

/** Throws UNAUTHENTICATED or FORBIDDEN when `identity` does not satisfy `rule`. */
function assertAccess(identity: Identity, rule: AccessRule, what: string): void {
  if (identity.userId === undefined)
    throw new UnauthenticatedError(`${what} requires a signed-in user`);
  if (rule.scopes.length === 0) return;
  const held = new Set<string>(identity.roles);
  if (!rule.scopes.some((all) => all.every((s) => held.has(s))))
    throw new ForbiddenError(`${what} is not allowed for this user`);
}

/**
 * Enforces `@authenticated` / `@requiresScopes` found on fields and object types of a built
 * subgraph schema (defense in depth: the gateway enforces them first). Type-level rules apply to
 * every field of the type, which also covers entities fetched through `_entities`.
 * The context must expose the caller as `identity`.
 */
export function applyAccessDirectives(schema: GraphQLSchema): GraphQLSchema {
  for (const type of Object.values(schema.getTypeMap())) {
    if (!isObjectType(type) || type.name.startsWith('__')) continue;
    const typeRule = ruleOf([
      ...(type.astNode?.directives ?? []),
      ...type.extensionASTNodes.flatMap((n) => n.directives ?? []),
    ]);
    for (const field of Object.values(type.getFields())) {
      const fieldRule = ruleOf(field.astNode?.directives);
      const rules = [typeRule, fieldRule].filter((r): r is AccessRule => r !== undefined);
      if (rules.length === 0) continue;
      const resolve: GraphQLFieldResolver<unknown, { identity: Identity }> =
        field.resolve ?? defaultFieldResolver;
      const what = `${type.name}.${field.name}`;
      const guarded: GraphQLFieldResolver<unknown, { identity: Identity }> = (
        source,
        args,
        context,
        info,
      ) => {
        for (const rule of rules) assertAccess(context.identity, rule, what);
        return resolve(source, args, context, info);
      };
      field.resolve = guarded as GraphQLFieldResolver<unknown, unknown>;
    }
  }
  return schema;
}
