import { assertSelfOrAdmin } from '@shop/subgraph-kit';
import { Ctx, FieldResolver, Resolver, Root } from 'type-graphql';
import type { UsersContext } from './context.js';
import { UserType } from './user.type.js';

/** The service allowed to read a customer's email (for order placement). */
const ORDERS_SERVICE = 'orders';

@Resolver(() => UserType)
export class UserResolver {
  @FieldResolver(() => String)
  email(@Root() user: UserType, @Ctx() ctx: UsersContext): string {
    // The orders service, calling as itself, records the customer's address with each order it
    // places (its emails go there): the only service that may read it.
    if (!user.viewedByOwner && ctx.identity.service !== ORDERS_SERVICE)
      assertSelfOrAdmin(ctx.identity, user.id, 'this email');
    return user.emailAddress;
  }
}

/** `User.__resolveReference`: every reference in one request is loaded with one query. */
export const userReferenceResolvers = {
  User: {
    async __resolveReference(ref: { id: string }, ctx: UsersContext): Promise<UserType | null> {
      const record = await ctx.users.load(ref.id);
      return record === undefined ? null : UserType.from(record);
    },
  },
};
