import { Directive, Field, ID, ObjectType } from 'type-graphql';
import type { DeliveryPartnerRecord } from '../persistence/delivery-partner.entity.js';
import type { ShipmentRecord } from '../persistence/shipment.entity.js';

@Directive('@key(fields: "id")')
@ObjectType('DeliveryPartner')
export class DeliveryPartnerType {
  @Field(() => ID)
  id!: string;

  @Field()
  name!: string;

  static from(r: DeliveryPartnerRecord): DeliveryPartnerType {
    return Object.assign(new DeliveryPartnerType(), { id: r.id, name: r.name });
  }
}

/** The orders subgraph's Order, extended here with `shipment`. */
@Directive('@key(fields: "id")')
@ObjectType('Order')
export class OrderRef {
  @Field(() => ID)
  id!: string;
}

@Directive('@key(fields: "id")')
@ObjectType('Shipment', {
  description: 'Visible to the order’s customer, the assigned partner and admins.',
})
export class ShipmentType {
  @Field(() => ID)
  id!: string;

  @Field({ description: 'PENDING, ASSIGNED, PICKED_UP, IN_TRANSIT, DELIVERED or FAILED.' })
  status!: string;

  @Field()
  trackingCode!: string;

  @Field(() => OrderRef)
  order!: OrderRef;

  partnerId!: string | null;

  @Field()
  createdAt!: Date;

  static from(r: ShipmentRecord): ShipmentType {
    return Object.assign(new ShipmentType(), {
      id: r.id,
      status: r.status,
      trackingCode: r.trackingCode,
      order: Object.assign(new OrderRef(), { id: r.orderId }),
      partnerId: r.partnerId ?? null,
      createdAt: r.createdAt,
    });
  }
}
