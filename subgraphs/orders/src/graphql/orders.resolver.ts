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
import type { OrderCommands } from '../service/order-commands.service.js';
import type { OrderPlacement } from '../service/order-placement.service.js';
import type { OrderQueries } from '../service/order-queries.service.js';
import type { OrdersContext } from './context.js';
import {
  OrderPageType,
  OrderStatusChangeType,
  OrderStatusEnum,
  OrderType,
  PaymentType,
  PlaceOrderInput,
} from './order.type.js';
import { UserRef } from './user-ref.type.js';

const ADMIN = '@requiresScopes(scopes: [["admin"]])';

/** Thin: the services decide who may see and do what. */
@Resolver()
export class OrdersResolver {
  constructor(
    private readonly queries: OrderQueries,
    private readonly placement: OrderPlacement,
    private readonly commands: OrderCommands,
  ) {}

  @Directive('@authenticated')
  @Query(() => OrderPageType, { description: 'The signed-in user’s orders, newest first.' })
  async myOrders(
    @Ctx() ctx: OrdersContext,
    @Arg('first', () => Int, { nullable: true, description: '1 to 100; 20 by default.' })
    first?: number | null,
    @Arg('after', () => String, { nullable: true }) after?: string | null,
  ): Promise<OrderPageType> {
    return OrderPageType.from(await this.queries.myOrders(ctx.identity, { first, after }));
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
    const order = this.queries.visible(ctx.identity, await ctx.ordersById.load(id));
    return order === null ? null : OrderType.from(order);
  }

  @Directive(ADMIN)
  @Query(() => OrderPageType, {
    description:
      'Admins: orders in a status, newest first; `needsAttention: true` lists those a parked saga flagged.',
  })
  async ordersByStatus(
    @Ctx() ctx: OrdersContext,
    @Arg('status', () => OrderStatusEnum, { nullable: true }) status?: OrderStatusEnum | null,
    @Arg('needsAttention', () => Boolean, { nullable: true }) needsAttention?: boolean | null,
    @Arg('first', () => Int, { nullable: true }) first?: number | null,
    @Arg('after', () => String, { nullable: true }) after?: string | null,
  ): Promise<OrderPageType> {
    return OrderPageType.from(
      await this.queries.ordersByStatus(
        ctx.identity,
        { status: status ?? null, needsAttention: needsAttention ?? null },
        { first, after },
      ),
    );
  }

  @Directive('@authenticated')
  @Mutation(() => OrderType, {
    description:
      'Places an order from the signed-in user’s cart (prices from catalog, never from the client), PENDING until paid, reserved and assigned; the cart is emptied.',
  })
  async placeOrder(
    @Arg('input', () => PlaceOrderInput) input: PlaceOrderInput,
    @Ctx() ctx: OrdersContext,
  ): Promise<OrderType> {
    const { line2, region, ...address } = input.shippingAddress;
    return OrderType.from(
      await this.placement.place(ctx.identity, {
        shippingAddress: {
          ...address,
          ...(line2 == null ? {} : { line2 }),
          ...(region == null ? {} : { region }),
        },
        paymentMethod: input.paymentMethod,
        idempotencyKey: input.idempotencyKey,
        couponCode: input.couponCode ?? null,
        creditCents: input.creditCents ?? null,
      }),
    );
  }

  @Directive('@authenticated')
  @Mutation(() => OrderType, {
    description:
      'Cancels your confirmed order before it ships: CANCELLING until stock, payment and shipment are undone, then CANCELLED. Asking again is harmless.',
  })
  async cancelOrder(
    @Arg('id', () => ID) id: string,
    @Ctx() ctx: OrdersContext,
    @Arg('reason', () => String, { nullable: true }) reason?: string | null,
  ): Promise<OrderType> {
    return OrderType.from(
      await this.commands.cancelOrder(ctx.identity, id, reason?.slice(0, 500) ?? undefined),
    );
  }
}

@Resolver(() => OrderType)
export class OrderFieldsResolver {
  @FieldResolver(() => PaymentType, { nullable: true, description: 'Null before placement.' })
  async payment(@Root() order: OrderType, @Ctx() ctx: OrdersContext): Promise<PaymentType | null> {
    const p = await ctx.payments.load(order.id);
    return p === undefined ? null : PaymentType.from(p);
  }

  @FieldResolver(() => [OrderStatusChangeType], { description: 'Oldest first.' })
  async history(
    @Root() order: OrderType,
    @Ctx() ctx: OrdersContext,
  ): Promise<OrderStatusChangeType[]> {
    return ((await ctx.history.load(order.id)) ?? []).map((h) =>
      Object.assign(new OrderStatusChangeType(), {
        from: h.fromStatus ?? null,
        to: h.toStatus,
        at: h.at,
        reason: h.reason ?? null,
      }),
    );
  }
}

@Resolver(() => UserRef)
export class UserOrdersResolver {
  constructor(private readonly queries: OrderQueries) {}

  @FieldResolver(() => [OrderType], {
    description: 'Only for the user itself (or an admin): the newest orders (myOrders pages).',
  })
  async orders(
    @Root() user: UserRef,
    @Ctx() ctx: OrdersContext,
    @Arg('first', () => Int, { defaultValue: 20, description: '1 to 100.' }) first: number,
  ): Promise<OrderType[]> {
    return (await this.queries.userOrders(ctx.identity, user.id, first)).map((o) =>
      OrderType.from(o),
    );
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
      return order === undefined ? null : OrderType.from(ctx.queries.readable(ctx.identity, order));
    },
  },
};
