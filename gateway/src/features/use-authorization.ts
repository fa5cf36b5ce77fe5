import { GraphQLError, isAbstractType, isInterfaceType } from 'graphql';
import type { GatewayFeature, VerifiedToken } from '../gateway-feature.js';
import type { AccessPolicy, SupergraphPolicies } from '../supergraph.js';

export interface AuthorizationOptions {
  readonly policies: SupergraphPolicies;
}

const allows = (
  rule: AccessPolicy,
  identity: VerifiedToken | undefined,
): 'ok' | 'anonymous' | 'scopes' => {
  if (identity === undefined) return 'anonymous';
  if (rule.scopes === undefined) return 'ok';
  return rule.scopes.some((set) => set.every((scope) => identity.roles.includes(scope)))
    ? 'ok'
    : 'scopes';
};

const typeOf = (coordinate: string): string => coordinate.slice(0, coordinate.indexOf('.'));

/**
 * Enforces `@authenticated` and `@requiresScopes` (roles are the scopes) from the supergraph on every
 * selected field, its parent type and its return type, before the query is planned: @apollo/gateway
 * itself ignores them. Subgraphs check again from the proof (defense in depth).
 *
 * Abstract types: a field selected through an interface (`node { id }`, `... on Node { id }` inside
 * a union) must pass the rules of every concrete type it can resolve to there and of their copy of
 * the field. The interface's own rules (composition's copy of all its implementations' rules) are
 * checked too, unless the enclosing selections narrowed the possible types (`... on Article {
 * ...NodeFields }` selects `Article`'s fields only, exactly like `... on Article { id }`). An
 * abstract return type's rules are not checked on the field that returns it (`node(id:)` would
 * otherwise be closed to anyone who may read only some of its types): what is selected inside is
 * checked on the concrete types, and `__typename`, the only field of a union, is not checked.
 */
export function useAuthorization(options: AuthorizationOptions): GatewayFeature {
  const { types, fields } = options.policies;
  return {
    name: 'authorization',
    onOperation({ schema, shape, context }) {
      // A shape cut short at a limit lists only some fields: never authorise from it.
      if (!shape.complete)
        throw new GraphQLError('Query is over the depth or cost limit', {
          extensions: { code: 'BAD_USER_INPUT', http: { status: 400 } },
        });
      for (const field of shape.fields) {
        const parentName = typeOf(field.coordinate);
        const parent = schema.getType(parentName);
        const narrowed =
          isInterfaceType(parent) &&
          field.implementations.length < schema.getPossibleTypes(parent).length;
        const returned = schema.getType(field.returnType);
        const rules = [
          ...(narrowed ? [] : [fields.get(field.coordinate), types.get(parentName)]),
          ...(isAbstractType(returned) ? [] : [types.get(field.returnType)]),
          ...field.implementations.flatMap((c) => [fields.get(c), types.get(typeOf(c))]),
        ];
        for (const rule of rules) {
          if (rule === undefined) continue;
          const verdict = allows(rule, context.identity);
          if (verdict === 'anonymous')
            throw new GraphQLError(`${field.coordinate} requires an authenticated caller`, {
              extensions: { code: 'UNAUTHENTICATED', http: { status: 401 } },
            });
          if (verdict === 'scopes')
            throw new GraphQLError(`${field.coordinate} is not allowed for your role`, {
              extensions: { code: 'FORBIDDEN', http: { status: 403 } },
            });
        }
      }
    },
  };
}
