import { UnauthenticatedError } from '@shop/platform';
import { assertSelfOrAdmin, isSelfOrAdmin } from '@shop/subgraph-kit';
import { Arg, Ctx, Directive, FieldResolver, ID, Query, Resolver, Root } from 'type-graphql';
import type { OrdersContext } from './context.js';
import { OrderType } from './order.type.js';
import { UserRef } from './user-ref.type.js';

@Resolver()
export class OrdersResolver {
  @Directive('@authenticated')
  @Query(() => [OrderType], { description: 'The signed-in user’s orders, newest first.' })
  async myOrders(@Ctx() ctx: OrdersContext): Promise<OrderType[]> {
    if (ctx.identity.userId === undefined) throw new UnauthenticatedError('sign in first');
    return ((await ctx.ordersByUser.load(ctx.identity.userId)) ?? []).map((o) => OrderType.from(o));
  }

  @Directive('@authenticated')
  @Query(() => OrderType, {
    nullable: true,
    description: 'Null when the order does not exist or is someone else’s.',
  })
  async order(
    @Arg('id', () => ID) id: string,
    @Ctx() ctx: OrdersContext,
  ): Promise<OrderType | null> {
    const order = await ctx.ordersById.load(id);
    return order !== undefined && isSelfOrAdmin(ctx.identity, order.userId)
      ? OrderType.from(order)
      : null;
  }
}

@Resolver(() => UserRef)
export class UserOrdersResolver {
  @FieldResolver(() => [OrderType], { description: 'Only for the user itself (or an admin).' })
  async orders(@Root() user: UserRef, @Ctx() ctx: OrdersContext): Promise<OrderType[]> {
    assertSelfOrAdmin(ctx.identity, user.id, 'these orders');
    return ((await ctx.ordersByUser.load(user.id)) ?? []).map((o) => OrderType.from(o));
  }
}

export const ordersReferenceResolvers = {
  User: {
    __resolveReference: (ref: { id: string }): UserRef =>
      Object.assign(new UserRef(), { id: ref.id }),
  },
  Order: {
    async __resolveReference(ref: { id: string }, ctx: OrdersContext): Promise<OrderType | null> {
      const order = await ctx.ordersById.load(ref.id);
      if (order === undefined) return null;
      assertSelfOrAdmin(ctx.identity, order.userId, 'this order');
      return OrderType.from(order);
    },
  },
};
