import { NotFoundError, UnauthenticatedError } from '@shop/platform';
import {
  Arg,
  Ctx,
  Directive,
  FieldResolver,
  ID,
  Mutation,
  Query,
  Resolver,
  Root,
} from 'type-graphql';
import type { ShipmentAction } from '../domain/shipment.js';
import type { ShipmentRecord } from '../persistence/shipment.entity.js';
import {
  assertCanViewShipment,
  canViewShipment,
  type DeliveryService,
} from '../service/delivery.service.js';
import type { LifecycleService } from '../service/lifecycle.service.js';
import type { PartnerService } from '../service/partner.service.js';
import type { DeliveryContext } from './context.js';
import {
  CreateDeliveryPartnerInput,
  DeliveryPartnerProfileType,
  DeliveryPartnerType,
  OrderRef,
  PositionType,
  ShipmentType,
  TrackingEventType,
  UpdateDeliveryPartnerInput,
} from './types.js';

const parties = (s: ShipmentRecord) => ({
  customerId: s.customerId,
  partnerUserId: s.partnerUserId ?? null,
});

const visible = (ctx: DeliveryContext, s: ShipmentRecord | undefined): s is ShipmentRecord =>
  s !== undefined && canViewShipment(ctx.identity, parties(s));

@Resolver(() => ShipmentType)
export class ShipmentResolver {
  constructor(
    private readonly delivery: DeliveryService,
    private readonly lifecycle: LifecycleService,
  ) {}

  /** Applies a partner's move (the service authorizes and judges it), then reads the result. */
  private async move(
    ctx: DeliveryContext,
    id: string,
    action: Exclude<ShipmentAction, 'cancel'>,
    details: { position?: PositionType | null; reason?: string | null } = {},
  ): Promise<ShipmentType> {
    await this.lifecycle.move(ctx.identity, id, action, details);
    const s = (await this.delivery.shipmentsByIds([id])).get(id);
    if (s === undefined) throw new NotFoundError(`shipment ${id} not found`);
    return ShipmentType.from(s);
  }

  @Directive('@requiresScopes(scopes: [["partner"]])')
  @Mutation(() => ShipmentType, {
    description: 'The assigned partner takes the shipment (ASSIGNED → ACCEPTED).',
  })
  acceptShipment(@Arg('id', () => ID) id: string, @Ctx() ctx: DeliveryContext) {
    return this.move(ctx, id, 'accept');
  }

  @Directive('@requiresScopes(scopes: [["partner"]])')
  @Mutation(() => ShipmentType, {
    description:
      'The assigned partner refuses it: the shipment goes to the next best partner, or waits (PENDING) for one.',
  })
  declineShipment(
    @Arg('id', () => ID) id: string,
    @Arg('reason', () => String, { nullable: true }) reason: string | null,
    @Ctx() ctx: DeliveryContext,
  ) {
    return this.move(ctx, id, 'decline', { reason });
  }

  @Directive('@requiresScopes(scopes: [["partner"]])')
  @Mutation(() => ShipmentType, { description: 'ACCEPTED → PICKED_UP.' })
  markShipmentPickedUp(@Arg('id', () => ID) id: string, @Ctx() ctx: DeliveryContext) {
    return this.move(ctx, id, 'pick-up');
  }

  @Directive('@requiresScopes(scopes: [["partner"]])')
  @Mutation(() => ShipmentType, {
    description: 'PICKED_UP → IN_TRANSIT, or a new position while IN_TRANSIT.',
  })
  markShipmentInTransit(
    @Arg('id', () => ID) id: string,
    @Arg('position', () => PositionType, { nullable: true }) position: PositionType | null,
    @Ctx() ctx: DeliveryContext,
  ) {
    return this.move(ctx, id, 'in-transit', { position });
  }

  @Directive('@requiresScopes(scopes: [["partner"]])')
  @Mutation(() => ShipmentType, { description: 'IN_TRANSIT → DELIVERED.' })
  markShipmentDelivered(@Arg('id', () => ID) id: string, @Ctx() ctx: DeliveryContext) {
    return this.move(ctx, id, 'deliver');
  }

  @Directive('@requiresScopes(scopes: [["partner"]])')
  @Mutation(() => ShipmentType, { description: 'ACCEPTED, PICKED_UP or IN_TRANSIT → FAILED.' })
  markShipmentFailed(
    @Arg('id', () => ID) id: string,
    @Arg('reason', () => String) reason: string,
    @Ctx() ctx: DeliveryContext,
  ) {
    return this.move(ctx, id, 'fail', { reason });
  }

  @FieldResolver(() => [TrackingEventType], { description: 'Every change, oldest first.' })
  async trackingEvents(
    @Root() shipment: ShipmentType,
    @Ctx() ctx: DeliveryContext,
  ): Promise<TrackingEventType[]> {
    return ((await ctx.trackingEvents.load(shipment.id)) ?? []).map((e) =>
      TrackingEventType.from(e),
    );
  }

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

@Resolver(() => DeliveryPartnerProfileType)
export class PartnerResolver {
  constructor(private readonly partners: PartnerService) {}

  @Directive('@requiresScopes(scopes: [["admin"]])')
  @Query(() => [DeliveryPartnerProfileType], { description: 'Every partner, by name.' })
  async deliveryPartners(): Promise<DeliveryPartnerProfileType[]> {
    return (await this.partners.list()).map((p) => DeliveryPartnerProfileType.from(p));
  }

  @Directive('@requiresScopes(scopes: [["partner"]])')
  @Query(() => DeliveryPartnerProfileType, {
    nullable: true,
    description: 'The signed-in partner’s profile; null when an admin has not created it yet.',
  })
  async myDeliveryPartner(@Ctx() ctx: DeliveryContext): Promise<DeliveryPartnerProfileType | null> {
    if (ctx.identity.userId === undefined) throw new UnauthenticatedError('sign in first');
    const p = await this.partners.ofUser(ctx.identity.userId);
    return p === undefined ? null : DeliveryPartnerProfileType.from(p);
  }

  @Directive('@requiresScopes(scopes: [["admin"]])')
  @Mutation(() => DeliveryPartnerProfileType, {
    description: 'Creates the partner profile of a users account (CONFLICT when it has one).',
  })
  async createDeliveryPartner(
    @Arg('input', () => CreateDeliveryPartnerInput) input: CreateDeliveryPartnerInput,
  ): Promise<DeliveryPartnerProfileType> {
    return DeliveryPartnerProfileType.from(await this.partners.create({ ...input }));
  }

  @Directive('@requiresScopes(scopes: [["admin"]])')
  @Mutation(() => DeliveryPartnerProfileType)
  async updateDeliveryPartner(
    @Arg('id', () => ID) id: string,
    @Arg('input', () => UpdateDeliveryPartnerInput) input: UpdateDeliveryPartnerInput,
  ): Promise<DeliveryPartnerProfileType> {
    const patch = Object.fromEntries(
      Object.entries(input).filter(([, v]) => v !== undefined && v !== null),
    );
    return DeliveryPartnerProfileType.from(await this.partners.update(id, patch));
  }

  @Directive('@requiresScopes(scopes: [["partner"]])')
  @Mutation(() => DeliveryPartnerProfileType, {
    description: 'The signed-in partner goes on (true) or off (false) duty for new assignments.',
  })
  async setMyAvailability(
    @Arg('available') available: boolean,
    @Ctx() ctx: DeliveryContext,
  ): Promise<DeliveryPartnerProfileType> {
    return DeliveryPartnerProfileType.from(
      await this.partners.setAvailability(ctx.identity, available),
    );
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
