import { UnauthenticatedError } from '@shop/platform';
import { assertSelfOrAdmin } from '@shop/subgraph-kit';
import {
  Arg,
  Ctx,
  Directive,
  FieldResolver,
  ID,
  Int,
  Mutation,
  Query,
  Resolver,
  Root,
} from 'type-graphql';
import { emptyCart, type CartService } from '../service/cart.service.js';
import { CartType } from './cart.type.js';
import type { CartContext } from './context.js';
import { UserRef } from './user-ref.type.js';

const callerId = (ctx: CartContext): string => {
  if (ctx.identity.userId === undefined) throw new UnauthenticatedError('sign in first');
  return ctx.identity.userId;
};

@Resolver()
export class CartResolver {
  constructor(private readonly carts: CartService) {}

  @Directive('@authenticated')
  @Query(() => CartType, {
    description: 'The signed-in user’s cart; an empty cart (not null) before the first add.',
  })
  async myCart(@Ctx() ctx: CartContext): Promise<CartType> {
    const userId = callerId(ctx);
    return CartType.from((await ctx.cartsByUser.load(userId)) ?? emptyCart(userId));
  }

  @Directive('@authenticated')
  @Mutation(() => CartType)
  async addToCart(
    @Arg('productId', () => ID) productId: string,
    @Arg('quantity', () => Int) quantity: number,
    @Ctx() ctx: CartContext,
  ): Promise<CartType> {
    return CartType.from(await this.carts.addItem(callerId(ctx), productId, quantity));
  }
}

@Resolver(() => UserRef)
export class UserCartResolver {
  @FieldResolver(() => CartType, {
    description:
      'Only for the user itself (or an admin). An empty cart (not null) before the first add.',
  })
  async cart(@Root() user: UserRef, @Ctx() ctx: CartContext): Promise<CartType> {
    assertSelfOrAdmin(ctx.identity, user.id, 'this cart');
    return CartType.from((await ctx.cartsByUser.load(user.id)) ?? emptyCart(user.id));
  }
}

export const cartReferenceResolvers = {
  User: {
    __resolveReference: (ref: { id: string }): UserRef =>
      Object.assign(new UserRef(), { id: ref.id }),
  },
  Cart: {
    async __resolveReference(ref: { id: string }, ctx: CartContext): Promise<CartType | null> {
      const cart = await ctx.cartsById.load(ref.id);
      if (cart === undefined) return null;
      assertSelfOrAdmin(ctx.identity, cart.userId, 'this cart');
      return CartType.from(cart);
    },
  },
};
