import type { BaseSubgraphContext, BatchLoader } from '@shop/subgraph-kit';
import type { DeliveryPartnerRecord } from '../persistence/delivery-partner.entity.js';
import type { ShipmentRecord, TrackingEventRecord } from '../persistence/shipment.entity.js';

export interface DeliveryContext extends BaseSubgraphContext {
  readonly partners: BatchLoader<string, DeliveryPartnerRecord>;
  readonly shipments: BatchLoader<string, ShipmentRecord>;
  readonly shipmentsByOrder: BatchLoader<string, ShipmentRecord>;
  readonly trackingEvents: BatchLoader<string, TrackingEventRecord[]>;
}
