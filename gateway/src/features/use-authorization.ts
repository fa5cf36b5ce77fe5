import { GraphQLError } from 'graphql';
import type { GatewayFeature, Identity } from '../gateway-feature.js';
import type { AccessRule, SupergraphPolicies } from '../supergraph.js';

export interface AuthorizationOptions {
  readonly policies: SupergraphPolicies;
}

const allows = (
  rule: AccessRule,
  identity: Identity | undefined,
): 'ok' | 'anonymous' | 'scopes' => {
  if (identity === undefined) return 'anonymous';
  if (rule.scopes === undefined) return 'ok';
  return rule.scopes.some((set) => set.every((scope) => identity.roles.includes(scope)))
    ? 'ok'
    : 'scopes';
};

/**
 * Enforces `@authenticated` and `@requiresScopes` (roles are the scopes) from the supergraph on every
 * selected field, its parent type and its return type, before the query is planned: @apollo/gateway
 * itself ignores them. Subgraphs check again from the proof (defense in depth).
 */
export function useAuthorization(options: AuthorizationOptions): GatewayFeature {
  const { types, fields } = options.policies;
  return {
    name: 'authorization',
    onOperation({ shape, context }) {
      for (const field of shape.fields) {
        const parentType = field.coordinate.slice(0, field.coordinate.indexOf('.'));
        const rules = [
          fields.get(field.coordinate),
          types.get(parentType),
          types.get(field.returnType),
          ...field.implementations.map((c) => fields.get(c)),
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
