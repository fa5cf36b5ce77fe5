import { buildFederatedSchema } from '@shop/subgraph-kit';
import type { GraphQLSchema } from 'graphql';
import type { ContainerType } from 'type-graphql';
import { AuthResolver } from './graphql/auth.resolver.js';
import { CouponResolver } from './graphql/coupon.resolver.js';
import { CreditResolver } from './graphql/credit.resolver.js';
import { UserResolver, userReferenceResolvers } from './graphql/user.resolver.js';

/** The users subgraph schema; without a container it can only be printed, not executed. */
export const buildUsersSchema = (container?: ContainerType): Promise<GraphQLSchema> =>
  buildFederatedSchema({
    resolvers: [AuthResolver, UserResolver, CreditResolver, CouponResolver],
    referenceResolvers: userReferenceResolvers,
    ...(container !== undefined ? { container } : {}),
  });
