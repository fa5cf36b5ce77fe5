import { buildFederatedSchema } from '@shop/subgraph-kit';
import type { GraphQLSchema } from 'graphql';
import type { ContainerType } from 'type-graphql';
import {
  OrderFieldsResolver,
  OrdersResolver,
  ordersReferenceResolvers,
  UserOrdersResolver,
} from './graphql/orders.resolver.js';
import { UserRef } from './graphql/user-ref.type.js';

/** The orders subgraph schema; without a container it can only be printed, not executed. */
export const buildOrdersSchema = (container?: ContainerType): Promise<GraphQLSchema> =>
  buildFederatedSchema({
    resolvers: [OrdersResolver, OrderFieldsResolver, UserOrdersResolver],
    orphanedTypes: [UserRef],
    referenceResolvers: ordersReferenceResolvers,
    ...(container !== undefined ? { container } : {}),
  });
