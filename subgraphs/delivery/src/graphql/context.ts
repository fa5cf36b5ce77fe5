import type { BaseSubgraphContext, BatchLoader } from '@shop/subgraph-kit';
import type { DeliveryPartnerRecord } from '../persistence/delivery-partner.entity.js';
import type { ShipmentRecord } from '../persistence/shipment.entity.js';

export interface DeliveryContext extends BaseSubgraphContext {
  readonly partners: BatchLoader<string, DeliveryPartnerRecord>;
  readonly shipments: BatchLoader<string, ShipmentRecord>;
  readonly shipmentsByOrder: BatchLoader<string, ShipmentRecord>;
}
