import 'reflect-metadata';
import { buildSubgraphSchema } from '@apollo/subgraph';
import { printSchemaWithDirectives } from '@graphql-tools/utils';
import {
  GraphQLDirective,
  GraphQLInt,
  GraphQLList,
  GraphQLNonNull,
  GraphQLString,
  DirectiveLocation,
  parse,
  type GraphQLSchema,
} from 'graphql';
import { buildSchema, createResolversMap, type BuildSchemaOptions } from 'type-graphql';
import { applyAccessDirectives } from './auth-directives.js';

/** Federation version every subgraph links; v2.7 has `@authenticated`, `@requiresScopes` and `@composeDirective`. */
const FEDERATION_LINK = 'https://specs.apollo.dev/federation/v2.7';
/** Our custom spec for `@rateLimit`, composed into the supergraph for the gateway to enforce. */
const RATE_LIMIT_LINK = 'https://shop.dev/rate-limit/v1.0';

/**
 * `directive @rateLimit(window: String!, max: Int!, by: String = "caller", identityArgs: [String!])
 * repeatable on FIELD_DEFINITION`: window as graphql-rate-limit ("10s", "1m"); `by` is whose
 * window counts (`caller`: the user, or the client address when anonymous; `client`: the client
 * address whatever token is sent; `args`: only the `identityArgs` values, across all callers);
 * `identityArgs` are graphql-rate-limit's argument paths (`input.email`) added to the key. A String
 * rather than an enum, so that no rate-limit type leaks into the public schema.
 */
const rateLimitDirective = new GraphQLDirective({
  name: 'rateLimit',
  locations: [DirectiveLocation.FIELD_DEFINITION],
  isRepeatable: true,
  args: {
    window: { type: new GraphQLNonNull(GraphQLString) },
    max: { type: new GraphQLNonNull(GraphQLInt) },
    by: { type: GraphQLString, defaultValue: 'caller' },
    identityArgs: { type: new GraphQLList(new GraphQLNonNull(GraphQLString)) },
  },
});

const LINKS = `
extend schema
  @link(url: "${FEDERATION_LINK}", import: ["@key", "@shareable", "@external", "@requires", "@provides", "@interfaceObject", "@authenticated", "@requiresScopes", "@composeDirective"])
  @link(url: "${RATE_LIMIT_LINK}", import: ["@rateLimit"])
  @composeDirective(name: "@rateLimit")
`;

type SubgraphResolverMap = Extract<
  Parameters<typeof buildSubgraphSchema>[0],
  { resolvers?: unknown }
>['resolvers'];

// `__resolveReference` and other per-type resolvers merged into type-graphql's resolver map.
export type ReferenceResolvers = Record<string, Record<string, unknown>>;

export interface SubgraphSchemaOptions {
  readonly resolvers: BuildSchemaOptions['resolvers'];
  readonly orphanedTypes?: BuildSchemaOptions['orphanedTypes'];
  readonly container?: BuildSchemaOptions['container'];
  /** `{ Product: { __resolveReference } }`, batched through a per-request loader. */
  readonly referenceResolvers?: ReferenceResolvers;
  /**
   * type-graphql refuses `@Subscription` fields without one, even with their own `subscribe`. A
   * subgraph whose subscriptions the gateway serves (delivery) passes one that is never used.
   */
  readonly pubSub?: BuildSchemaOptions['pubSub'];
}

/**
 * type-graphql schema → SDL with directives → `buildSubgraphSchema` with a pinned `@link`, then
 * `@authenticated` / `@requiresScopes` enforcement (the model is type-graphql's
 * examples/apollo-federation-2).
 */
export async function buildFederatedSchema(options: SubgraphSchemaOptions): Promise<GraphQLSchema> {
  const schema = await buildSchema({
    resolvers: options.resolvers,
    ...(options.orphanedTypes !== undefined ? { orphanedTypes: options.orphanedTypes } : {}),
    ...(options.container !== undefined ? { container: options.container } : {}),
    ...(options.pubSub !== undefined ? { pubSub: options.pubSub } : {}),
    directives: [rateLimitDirective],
    skipCheck: true,
    validate: false,
  });
  const resolvers = createResolversMap(schema) as Record<string, Record<string, unknown>>;
  for (const [typeName, extra] of Object.entries(options.referenceResolvers ?? {})) {
    resolvers[typeName] = { ...(resolvers[typeName] ?? {}), ...extra };
  }
  const federated = buildSubgraphSchema({
    typeDefs: parse(LINKS + printSchemaWithDirectives(schema)),
    resolvers: resolvers as SubgraphResolverMap,
  });
  return applyAccessDirectives(federated);
}
