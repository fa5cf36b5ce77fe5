import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import type { ShipmentStatus } from '../domain/shipment.js';

/**
 * One shipment per order. `partnerUserId` is copied from the partner at assignment so the
 * ownership check needs no second query.
 */
export const ShipmentEntity = defineEntity({
  name: 'ShipmentEntity',
  tableName: 'shipments',
  properties: {
    id: p.string().length(36).primary(),
    orderId: p.string().length(36).unique(),
    customerId: p.string().length(36).index(),
    partnerId: p.string().length(36).nullable().index(),
    partnerUserId: p.string().length(36).nullable(),
    status: p.string().length(20).$type<ShipmentStatus>(),
    trackingCode: p.string().length(40),
    createdAt: p.datetime(3),
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
