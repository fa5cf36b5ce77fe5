import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import type { ReplenishmentStatus } from '../domain/replenishment.js';

/**
 * A replenishment (catalog's MariaDB stock database). Writes go through `ReplenishmentRepository`'s
 * locked reads and plain UPDATEs; the entity serves the admins' list.
 */
export const ReplenishmentEntity = defineEntity({
  name: 'ReplenishmentEntity',
  tableName: 'replenishment',
  properties: {
    id: p.string().length(36).primary(),
    productId: p.string().length(64),
    supplier: p.string().length(64),
    placementUncertain: p.boolean(),
    status: p.string().length(20).$type<ReplenishmentStatus>(),
    ordered: p.integer(),
    received: p.integer(),
    stocked: p.integer(),
    supplierOrderId: p.string().length(128).nullable(),
    placedAt: p.datetime(3).nullable(),
    awaitingSagaId: p.string().length(128).nullable(),
    awaitingStep: p.integer().nullable(),
    attention: p.text().nullable(),
    attentionStep: p.string().length(64).nullable(),
    /** The product id while open, null once closed (unique: one open per product). */
    openProductId: p.string().length(64).nullable(),
    polledAt: p.datetime(3).nullable(),
    createdAt: p.datetime(3),
    updatedAt: p.datetime(3),
  },
});
export type ReplenishmentRecord = InferEntity<typeof ReplenishmentEntity>;

/** One supplier delivery recorded for a replenishment. */
export const GoodsReceiptEntity = defineEntity({
  name: 'GoodsReceiptEntity',
  tableName: 'goods_receipt',
  properties: {
    replenishmentId: p.string().length(36).primary(),
    deliveryId: p.string().length(128).primary(),
    quantity: p.integer(),
    receivedAt: p.datetime(3),
    stockedAt: p.datetime(3).nullable(),
  },
});
export type GoodsReceiptRecord = InferEntity<typeof GoodsReceiptEntity>;
