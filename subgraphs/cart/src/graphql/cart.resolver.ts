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
import type { CartService } from '../service/cart.service.js';
import { CartType, CheckoutCartType, MergeResultType } from './cart.type.js';
import type { CartContext } from './context.js';
import { UserRef } from './user-ref.type.js';

const TOKEN_DESCRIPTION =
  'A guest cart’s token (from startGuestCart); without it, the signed-in user’s own cart.';

/** Thin: the service finds the caller's cart from the identity and token and checks ownership. */
@Resolver()
export class CartResolver {
  constructor(private readonly carts: CartService) {}

  @Query(() => CartType, {
    description:
      'The signed-in user’s cart, or the guest cart of `cartToken`; an empty cart (not null) before the first add.',
  })
  async myCart(
    @Ctx() ctx: CartContext,
    @Arg('cartToken', () => String, { nullable: true, description: TOKEN_DESCRIPTION })
    cartToken?: string | null,
  ): Promise<CartType> {
    return CartType.from(await this.carts.myCart(ctx.identity, cartToken, ctx.facts));
  }

  @Mutation(() => String, {
    description:
      'A new guest cart token (256 random bits). Keep it on the client and pass it as `cartToken`; merge it at sign-in with mergeGuestCart.',
  })
  startGuestCart(): string {
    return this.carts.startGuestCart();
  }

  @Mutation(() => CartType, {
    description: 'Adds to a line (or a new one). At most 99 of a product.',
  })
  async addToCart(
    @Arg('productId', () => ID) productId: string,
    @Arg('quantity', () => Int) quantity: number,
    @Ctx() ctx: CartContext,
    @Arg('cartToken', () => String, { nullable: true, description: TOKEN_DESCRIPTION })
    cartToken?: string | null,
  ): Promise<CartType> {
    return CartType.from(
      await this.carts.add(ctx.identity, cartToken, productId, quantity, ctx.facts),
    );
  }

  @Mutation(() => CartType, { description: 'Sets the quantity of a product already in the cart.' })
  async updateCartItem(
    @Arg('productId', () => ID) productId: string,
    @Arg('quantity', () => Int) quantity: number,
    @Ctx() ctx: CartContext,
    @Arg('cartToken', () => String, { nullable: true, description: TOKEN_DESCRIPTION })
    cartToken?: string | null,
  ): Promise<CartType> {
    return CartType.from(
      await this.carts.update(ctx.identity, cartToken, productId, quantity, ctx.facts),
    );
  }

  @Mutation(() => CartType, {
    description: 'Removes a product; removing one not in the cart is a no-op.',
  })
  async removeFromCart(
    @Arg('productId', () => ID) productId: string,
    @Ctx() ctx: CartContext,
    @Arg('cartToken', () => String, { nullable: true, description: TOKEN_DESCRIPTION })
    cartToken?: string | null,
  ): Promise<CartType> {
    return CartType.from(await this.carts.remove(ctx.identity, cartToken, productId, ctx.facts));
  }

  @Mutation(() => CartType)
  async clearCart(
    @Ctx() ctx: CartContext,
    @Arg('cartToken', () => String, { nullable: true, description: TOKEN_DESCRIPTION })
    cartToken?: string | null,
  ): Promise<CartType> {
    return CartType.from(await this.carts.clear(ctx.identity, cartToken, ctx.facts));
  }

  @Directive('@authenticated')
  @Mutation(() => MergeResultType, {
    description:
      'Moves a guest cart into the signed-in user’s cart, once: quantities added, capped by stock; reports what was merged and what was dropped and why.',
  })
  async mergeGuestCart(
    @Arg('cartToken', () => String) cartToken: string,
    @Ctx() ctx: CartContext,
  ): Promise<MergeResultType> {
    return MergeResultType.from(
      await this.carts.mergeGuestCart(ctx.identity, cartToken, ctx.facts),
    );
  }
}

/** Service-only: the orders service reads and clears a user's cart at placement, as itself. */
@Resolver()
export class CheckoutCartResolver {
  constructor(private readonly carts: CartService) {}

  @Query(() => CheckoutCartType, {
    description: 'Service-only (orders): a user’s cart priced now, for placement.',
  })
  async checkoutCart(
    @Arg('userId', () => ID) userId: string,
    @Ctx() ctx: CartContext,
  ): Promise<CheckoutCartType> {
    return CheckoutCartType.from(await this.carts.checkoutCart(ctx.identity, userId, ctx.facts));
  }

  @Mutation(() => Boolean, {
    description:
      'Service-only (orders): empties a user’s cart after placement if still at `version`.',
  })
  clearCheckedOutCart(
    @Arg('userId', () => ID) userId: string,
    @Arg('version', () => Int) version: number,
    @Ctx() ctx: CartContext,
  ): Promise<boolean> {
    return this.carts.clearCheckedOut(ctx.identity, userId, version);
  }
}

@Resolver(() => UserRef)
export class UserCartResolver {
  constructor(private readonly carts: CartService) {}

  @FieldResolver(() => CartType, {
    description:
      'Only for the user itself (or an admin). An empty cart (not null) before the first add.',
  })
  async cart(@Root() user: UserRef, @Ctx() ctx: CartContext): Promise<CartType> {
    const row = this.carts.userCart(ctx.identity, user.id, await ctx.cartsByUser.load(user.id));
    return CartType.from(await this.carts.view(row, ctx.facts));
  }
}

export const cartReferenceResolvers = {
  User: {
    __resolveReference: (ref: { id: string }): UserRef =>
      Object.assign(new UserRef(), { id: ref.id }),
  },
  Cart: {
    async __resolveReference(ref: { id: string }, ctx: CartContext): Promise<CartType | null> {
      const row = await ctx.cartsById.load(ref.id);
      if (row === undefined) return null;
      return CartType.from(await ctx.carts.view(ctx.carts.readable(ctx.identity, row), ctx.facts));
    },
  },
};
