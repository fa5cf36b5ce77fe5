import type { BaseSubgraphContext, BatchLoader } from '@shop/subgraph-kit';
import type { OrderRecord } from '../persistence/order.entity.js';

export interface OrdersContext extends BaseSubgraphContext {
  readonly ordersByUser: BatchLoader<string, OrderRecord[]>;
  readonly ordersById: BatchLoader<string, OrderRecord>;
}
