import { UnauthenticatedError } from '@shop/platform';
import { Arg, Ctx, Directive, FieldResolver, ID, Query, Resolver, Root } from 'type-graphql';
import type { ShipmentRecord } from '../persistence/shipment.entity.js';
import {
  assertCanViewShipment,
  canViewShipment,
  type DeliveryService,
} from '../service/delivery.service.js';
import type { DeliveryContext } from './context.js';
import { DeliveryPartnerType, OrderRef, ShipmentType } from './types.js';

const parties = (s: ShipmentRecord) => ({
  customerId: s.customerId,
  partnerUserId: s.partnerUserId ?? null,
});

const visible = (ctx: DeliveryContext, s: ShipmentRecord | undefined): s is ShipmentRecord =>
  s !== undefined && canViewShipment(ctx.identity, parties(s));

@Resolver(() => ShipmentType)
export class ShipmentResolver {
  constructor(private readonly delivery: DeliveryService) {}

  @Directive('@requiresScopes(scopes: [["partner"]])')
  @Query(() => [ShipmentType], { description: 'Shipments assigned to the signed-in partner.' })
  async myShipments(@Ctx() ctx: DeliveryContext): Promise<ShipmentType[]> {
    if (ctx.identity.userId === undefined) throw new UnauthenticatedError('sign in first');
    return (await this.delivery.shipmentsOfPartnerUser(ctx.identity.userId)).map((s) =>
      ShipmentType.from(s),
    );
  }

  @Directive('@authenticated')
  @Query(() => ShipmentType, {
    nullable: true,
    description: 'Null when it does not exist or is not yours.',
  })
  async shipment(
    @Arg('id', () => ID) id: string,
    @Ctx() ctx: DeliveryContext,
  ): Promise<ShipmentType | null> {
    const s = await ctx.shipments.load(id);
    return visible(ctx, s) ? ShipmentType.from(s) : null;
  }

  @FieldResolver(() => DeliveryPartnerType, { nullable: true })
  async partner(
    @Root() shipment: ShipmentType,
    @Ctx() ctx: DeliveryContext,
  ): Promise<DeliveryPartnerType | null> {
    if (shipment.partnerId === null) return null;
    const p = await ctx.partners.load(shipment.partnerId);
    return p === undefined ? null : DeliveryPartnerType.from(p);
  }
}

@Resolver(() => OrderRef)
export class OrderShipmentResolver {
  @FieldResolver(() => ShipmentType, {
    nullable: true,
    description: 'Null until shipped, or when not yours.',
  })
  async shipment(
    @Root() order: OrderRef,
    @Ctx() ctx: DeliveryContext,
  ): Promise<ShipmentType | null> {
    const s = await ctx.shipmentsByOrder.load(order.id);
    return visible(ctx, s) ? ShipmentType.from(s) : null;
  }
}

export const deliveryReferenceResolvers = {
  Order: {
    __resolveReference: (ref: { id: string }): OrderRef =>
      Object.assign(new OrderRef(), { id: ref.id }),
  },
  DeliveryPartner: {
    async __resolveReference(
      ref: { id: string },
      ctx: DeliveryContext,
    ): Promise<DeliveryPartnerType | null> {
      const p = await ctx.partners.load(ref.id);
      return p === undefined ? null : DeliveryPartnerType.from(p);
    },
  },
  Shipment: {
    async __resolveReference(
      ref: { id: string },
      ctx: DeliveryContext,
    ): Promise<ShipmentType | null> {
      const s = await ctx.shipments.load(ref.id);
      if (s === undefined) return null;
      assertCanViewShipment(ctx.identity, parties(s));
      return ShipmentType.from(s);
    },
  },
};
