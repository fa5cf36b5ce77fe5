import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import type { OrderLine, OrderStatus } from '../domain/order.js';

/** Lines as JSON for now, so an order is one row and one query (order placement may normalize them). */
export const OrderEntity = defineEntity({
  name: 'OrderEntity',
  tableName: 'orders',
  properties: {
    id: p.string().length(36).primary(),
    userId: p.string().length(36).index(),
    status: p.string().length(20).$type<OrderStatus>(),
    totalCents: p.integer(),
    lines: p.json<OrderLine[]>(),
    createdAt: p.datetime(3),
  },
});
export type OrderRecord = InferEntity<typeof OrderEntity>;
