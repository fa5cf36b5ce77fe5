import type { EntityManager } from '@mikro-orm/mysql';
import { accessDenied, isSelfOrAdmin, type Identity } from '@shop/subgraph-kit';
import type { ShipmentParties } from '../domain/shipment.js';
import {
  DeliveryPartnerEntity,
  type DeliveryPartnerRecord,
} from '../persistence/delivery-partner.entity.js';
import {
  ShipmentEntity,
  TrackingEventEntity,
  type ShipmentRecord,
  type TrackingEventRecord,
} from '../persistence/shipment.entity.js';

/** A shipment is visible to its customer, to the partner it is assigned to, and to admins. */
export const canViewShipment = (identity: Identity, shipment: ShipmentParties): boolean =>
  isSelfOrAdmin(identity, shipment.customerId) ||
  (shipment.partnerUserId !== null && identity.userId === shipment.partnerUserId);

/** Throws UNAUTHENTICATED for an anonymous caller, FORBIDDEN for anyone else who may not see it. */
export function assertCanViewShipment(identity: Identity, shipment: ShipmentParties): void {
  if (!canViewShipment(identity, shipment)) throw accessDenied(identity, 'this shipment');
}

/** Reads partners and shipments, one query per batch of keys. */
export class DeliveryService {
  constructor(private readonly em: EntityManager) {}

  async partnersByIds(ids: readonly string[]): Promise<Map<string, DeliveryPartnerRecord>> {
    const rows = await this.em.fork().find(DeliveryPartnerEntity, { id: { $in: [...ids] } });
    return new Map(rows.map((r) => [r.id, r]));
  }

  async shipmentsByIds(ids: readonly string[]): Promise<Map<string, ShipmentRecord>> {
    const rows = await this.em.fork().find(ShipmentEntity, { id: { $in: [...ids] } });
    return new Map(rows.map((r) => [r.id, r]));
  }

  async shipmentsByOrderIds(orderIds: readonly string[]): Promise<Map<string, ShipmentRecord>> {
    const rows = await this.em.fork().find(ShipmentEntity, { orderId: { $in: [...orderIds] } });
    return new Map(rows.map((r) => [r.orderId, r]));
  }

  /** Tracking events of the given shipments, one query, each list oldest first. */
  async trackingEventsOf(
    shipmentIds: readonly string[],
  ): Promise<Map<string, TrackingEventRecord[]>> {
    const rows = await this.em
      .fork()
      .find(
        TrackingEventEntity,
        { shipmentId: { $in: [...shipmentIds] } },
        { orderBy: { shipmentId: 'asc', sequence: 'asc' } },
      );
    const byShipment = new Map<string, TrackingEventRecord[]>();
    for (const r of rows)
      byShipment.set(r.shipmentId, [...(byShipment.get(r.shipmentId) ?? []), r]);
    return byShipment;
  }

  /** Shipments assigned to the partner profile of this users account, newest first. */
  async shipmentsOfPartnerUser(userId: string): Promise<ShipmentRecord[]> {
    return this.em
      .fork()
      .find(ShipmentEntity, { partnerUserId: userId }, { orderBy: { createdAt: 'desc' } });
  }
}
