import { buildFederatedSchema } from '@shop/subgraph-kit';
import type { GraphQLSchema } from 'graphql';
import type { ContainerType } from 'type-graphql';
import { ProductResolver, productReferenceResolvers } from './graphql/product.resolver.js';
import { ReplenishmentResolver } from './graphql/replenishment.resolver.js';
import { SearchResolver } from './graphql/search.resolver.js';
import { StockResolver } from './graphql/stock.resolver.js';

/** The catalog subgraph schema; without a container it can only be printed, not executed. */
export const buildCatalogSchema = (container?: ContainerType): Promise<GraphQLSchema> =>
  buildFederatedSchema({
    resolvers: [ProductResolver, StockResolver, SearchResolver, ReplenishmentResolver],
    referenceResolvers: productReferenceResolvers,
    ...(container !== undefined ? { container } : {}),
  });
