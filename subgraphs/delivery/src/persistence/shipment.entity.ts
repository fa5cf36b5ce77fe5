import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import type { ShipmentStatus } from '../domain/shipment.js';

/**
 * One shipment per order. `partnerUserId` is copied from the partner at assignment so the
 * ownership check needs no second query. Writes go through `ShipmentRepository`'s conditional
 * UPDATEs; this entity only reads.
 */
export const ShipmentEntity = defineEntity({
  name: 'ShipmentEntity',
  tableName: 'shipments',
  properties: {
    id: p.string().length(36).primary(),
    orderId: p.string().length(64).unique(),
    customerId: p.string().length(64).index(),
    partnerId: p.string().length(36).nullable().index(),
    partnerUserId: p.string().length(36).nullable(),
    status: p.string().length(20).$type<ShipmentStatus>(),
    trackingCode: p.string().length(40),
    units: p.integer(),
    postalCode: p.string().length(10),
    sequence: p.integer(),
    acceptBy: p.datetime(3).nullable(),
    reason: p.string().length(500).nullable(),
    lastLat: p.double().nullable(),
    lastLng: p.double().nullable(),
    createdAt: p.datetime(3),
    updatedAt: p.datetime(3),
  },
  // myShipments: where partner_user_id = ? order by created_at desc
  indexes: [
    {
      name: 'shipments_partner_user_id_created_at_index',
      properties: ['partnerUserId', 'createdAt'],
    },
  ],
});
export type ShipmentRecord = InferEntity<typeof ShipmentEntity>;

export const TrackingEventEntity = defineEntity({
  name: 'TrackingEventEntity',
  tableName: 'shipment_tracking_events',
  properties: {
    shipmentId: p.string().length(36).primary(),
    sequence: p.integer().primary(),
    changeKind: p.string().length(20),
    status: p.string().length(20).$type<ShipmentStatus>(),
    partnerId: p.string().length(36).nullable(),
    lat: p.double().nullable(),
    lng: p.double().nullable(),
    reason: p.string().length(500).nullable(),
    at: p.datetime(3),
  },
});
export type TrackingEventRecord = InferEntity<typeof TrackingEventEntity>;
