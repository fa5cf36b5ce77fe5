import { buildFederatedSchema } from '@shop/subgraph-kit';
import type { GraphQLSchema } from 'graphql';
import type { ContainerType } from 'type-graphql';
import {
  CartResolver,
  cartReferenceResolvers,
  CheckoutCartResolver,
  UserCartResolver,
} from './graphql/cart.resolver.js';
import { UserRef } from './graphql/user-ref.type.js';

/** The cart subgraph schema; without a container it can only be printed, not executed. */
export const buildCartSchema = (container?: ContainerType): Promise<GraphQLSchema> =>
  buildFederatedSchema({
    resolvers: [CartResolver, CheckoutCartResolver, UserCartResolver],
    orphanedTypes: [UserRef],
    referenceResolvers: cartReferenceResolvers,
    ...(container !== undefined ? { container } : {}),
  });
