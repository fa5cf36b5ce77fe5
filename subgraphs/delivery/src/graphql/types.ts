import {
  Directive,
  Field,
  Float,
  ID,
  InputType,
  Int,
  ObjectType,
  registerEnumType,
} from 'type-graphql';
import { SHIPMENT_STATUSES, type ShipmentStatus } from '../domain/shipment.js';
import type { DeliveryPartnerRecord } from '../persistence/delivery-partner.entity.js';
import type { ShipmentRecord, TrackingEventRecord } from '../persistence/shipment.entity.js';
import type { ShipmentUpdate } from '../service/shipment-feed.service.js';

export const ShipmentStatusEnum = Object.fromEntries(SHIPMENT_STATUSES.map((s) => [s, s])) as {
  [K in ShipmentStatus]: K;
};
registerEnumType(ShipmentStatusEnum, {
  name: 'ShipmentStatus',
  description:
    'PENDING (waiting for a partner) → ASSIGNED → ACCEPTED → PICKED_UP → IN_TRANSIT → DELIVERED, or FAILED / CANCELLED.',
});

@ObjectType('WorkingHours')
@InputType('WorkingHoursInput')
export class WorkingHoursType {
  @Field(() => [Int], { description: 'Weekdays, 0 = Sunday … 6 = Saturday.' })
  days!: number[];

  @Field({ description: 'HH:MM, local time.' })
  from!: string;

  @Field({ description: 'HH:MM, local time; earlier than `from` is a night shift.' })
  to!: string;

  @Field({ description: 'IANA time zone, e.g. America/New_York.' })
  timeZone!: string;
}

@ObjectType('GeoPosition')
@InputType('GeoPositionInput')
export class PositionType {
  @Field(() => Float)
  latitude!: number;

  @Field(() => Float)
  longitude!: number;
}

@Directive('@key(fields: "id")')
@ObjectType('DeliveryPartner')
export class DeliveryPartnerType {
  @Field(() => ID)
  id!: string;

  @Field()
  name!: string;

  @Field(() => Float, { description: '0 to 5.' })
  rating!: number;

  static from(r: DeliveryPartnerRecord): DeliveryPartnerType {
    return Object.assign(new DeliveryPartnerType(), {
      id: r.id,
      name: r.name,
      rating: Number(r.rating),
    });
  }
}

@ObjectType('DeliveryPartnerProfile', {
  description: 'A partner’s full settings: for admins and the partner itself.',
})
export class DeliveryPartnerProfileType {
  @Field(() => ID)
  id!: string;

  @Field(() => ID, { description: 'The users account that signs in as this partner.' })
  userId!: string;

  @Field()
  name!: string;

  @Field()
  contact!: string;

  @Field(() => Int, { description: 'Vehicle capacity, in items.' })
  capacity!: number;

  @Field(() => Int, { description: 'Items of assigned, not yet finished shipments.' })
  currentLoad!: number;

  @Field(() => Float)
  rating!: number;

  @Field()
  available!: boolean;

  @Field()
  homePostalCode!: string;

  @Field(() => Float)
  radiusKm!: number;

  @Field(() => [String], { description: 'ZIP codes or prefixes served.' })
  serviceAreas!: string[];

  @Field(() => WorkingHoursType)
  workingHours!: WorkingHoursType;

  static from(r: DeliveryPartnerRecord): DeliveryPartnerProfileType {
    return Object.assign(new DeliveryPartnerProfileType(), {
      id: r.id,
      userId: r.userId,
      name: r.name,
      contact: r.contact,
      capacity: r.capacity,
      currentLoad: r.currentLoad,
      rating: Number(r.rating),
      available: r.available,
      homePostalCode: r.homePostalCode,
      radiusKm: r.radiusKm,
      serviceAreas: r.serviceAreas,
      workingHours: Object.assign(new WorkingHoursType(), r.workingHours),
    });
  }
}

@InputType('CreateDeliveryPartnerInput')
export class CreateDeliveryPartnerInput {
  @Field(() => ID, {
    description: 'An existing users account (role partner) this profile belongs to.',
  })
  userId!: string;

  @Field()
  name!: string;

  @Field({ defaultValue: '' })
  contact!: string;

  @Field(() => Int)
  capacity!: number;

  @Field(() => Float, { defaultValue: 5 })
  rating!: number;

  @Field({ defaultValue: false })
  available!: boolean;

  @Field()
  homePostalCode!: string;

  @Field(() => Float)
  radiusKm!: number;

  @Field(() => [String])
  serviceAreas!: string[];

  @Field(() => WorkingHoursType)
  workingHours!: WorkingHoursType;
}

@InputType('UpdateDeliveryPartnerInput', { description: 'Only the fields given change.' })
export class UpdateDeliveryPartnerInput {
  @Field({ nullable: true })
  name?: string;

  @Field({ nullable: true })
  contact?: string;

  @Field(() => Int, { nullable: true })
  capacity?: number;

  @Field(() => Float, { nullable: true })
  rating?: number;

  @Field({ nullable: true })
  available?: boolean;

  @Field({ nullable: true })
  homePostalCode?: string;

  @Field(() => Float, { nullable: true })
  radiusKm?: number;

  @Field(() => [String], { nullable: true })
  serviceAreas?: string[];

  @Field(() => WorkingHoursType, { nullable: true })
  workingHours?: WorkingHoursType;
}

/** The orders subgraph's Order, extended here with `shipment`. */
@Directive('@key(fields: "id")')
@ObjectType('Order')
export class OrderRef {
  @Field(() => ID)
  id!: string;
}

@ObjectType('TrackingEvent', { description: 'One change of a shipment, in order.' })
export class TrackingEventType {
  @Field(() => Int, { description: 'Per shipment, 1, 2, 3 … without gaps.' })
  sequence!: number;

  @Field({
    description:
      'assigned, declined, timed-out, accepted, picked-up, in-transit, delivered, failed or cancelled.',
  })
  change!: string;

  @Field(() => ShipmentStatusEnum)
  status!: ShipmentStatus;

  @Field(() => PositionType, { nullable: true })
  position!: PositionType | null;

  @Field(() => String, { nullable: true })
  reason!: string | null;

  @Field()
  at!: Date;

  static from(r: TrackingEventRecord): TrackingEventType {
    return Object.assign(new TrackingEventType(), {
      sequence: r.sequence,
      change: r.changeKind,
      status: r.status,
      position:
        r.lat == null || r.lng == null
          ? null
          : Object.assign(new PositionType(), { latitude: r.lat, longitude: r.lng }),
      reason: r.reason ?? null,
      at: r.at,
    });
  }
}

@Directive('@key(fields: "id")')
@ObjectType('Shipment', {
  description: 'Visible to the order’s customer, the assigned partner and admins.',
})
export class ShipmentType {
  @Field(() => ID)
  id!: string;

  @Field(() => ShipmentStatusEnum)
  status!: ShipmentStatus;

  @Field()
  trackingCode!: string;

  @Field(() => OrderRef)
  order!: OrderRef;

  partnerId!: string | null;

  @Field(() => Int, { description: 'Items in the order.' })
  units!: number;

  @Field()
  postalCode!: string;

  @Field(() => Int, { description: 'Bumped by every change; the last tracking event’s sequence.' })
  sequence!: number;

  @Field(() => Date, {
    nullable: true,
    description: 'While ASSIGNED: when the assignment moves on to another partner unless accepted.',
  })
  acceptBy!: Date | null;

  @Field(() => String, { nullable: true, description: 'Why it failed or was cancelled.' })
  reason!: string | null;

  @Field(() => PositionType, { nullable: true, description: 'The last reported position.' })
  position!: PositionType | null;

  @Field()
  createdAt!: Date;

  @Field()
  updatedAt!: Date;

  static from(r: ShipmentRecord): ShipmentType {
    return Object.assign(new ShipmentType(), {
      id: r.id,
      status: r.status,
      trackingCode: r.trackingCode,
      order: Object.assign(new OrderRef(), { id: r.orderId }),
      partnerId: r.partnerId ?? null,
      units: r.units,
      postalCode: r.postalCode,
      sequence: r.sequence,
      acceptBy: r.acceptBy ?? null,
      reason: r.reason ?? null,
      position:
        r.lastLat == null || r.lastLng == null
          ? null
          : Object.assign(new PositionType(), { latitude: r.lastLat, longitude: r.lastLng }),
      createdAt: r.createdAt,
      updatedAt: r.updatedAt,
    });
  }
}

@ObjectType('ShipmentUpdate', {
  description:
    'One change of a shipment, as `shipmentUpdates` and `myAssignments` deliver it. Pass `cursor` as `after` when you reconnect to receive what you missed, once, then live changes.',
})
export class ShipmentUpdateType {
  @Field({ description: 'Opaque; resume after this update with `after: cursor`.' })
  cursor!: string;

  @Field(() => ID)
  shipmentId!: string;

  @Field(() => Int, { description: 'The shipment’s own sequence: 1, 2, 3 … without gaps.' })
  sequence!: number;

  @Field({
    description:
      'assigned, declined, timed-out, accepted, picked-up, in-transit, delivered, failed or cancelled.',
  })
  change!: string;

  @Field(() => ShipmentStatusEnum, { description: 'The status after the change.' })
  status!: ShipmentStatus;

  @Field(() => ShipmentStatusEnum, { nullable: true, description: 'The status before it.' })
  previousStatus!: ShipmentStatus | null;

  @Field(() => PositionType, { nullable: true })
  position!: PositionType | null;

  @Field(() => String, { nullable: true, description: 'Why it was declined, failed or cancelled.' })
  reason!: string | null;

  @Field()
  at!: Date;

  @Field(() => OrderRef)
  order!: OrderRef;

  static from(u: ShipmentUpdate): ShipmentUpdateType {
    return Object.assign(new ShipmentUpdateType(), {
      cursor: u.cursor,
      shipmentId: u.shipmentId,
      sequence: u.sequence,
      change: u.change,
      status: u.status,
      previousStatus: u.previousStatus,
      position: u.position && Object.assign(new PositionType(), u.position),
      reason: u.reason,
      at: u.at,
      order: Object.assign(new OrderRef(), { id: u.orderId }),
    });
  }
}
