import { defineEntity, p, type InferEntity } from '@mikro-orm/core';

/** One product's stock row (catalog's MariaDB database; products themselves live in MongoDB). */
export const StockEntity = defineEntity({
  name: 'StockEntity',
  tableName: 'stock',
  properties: {
    productId: p.string().length(64).primary(),
    onHand: p.integer(),
    reserved: p.integer(),
    lowStockThreshold: p.integer(),
    /** Who replenishes the product (the supplier port's name for them). */
    supplier: p.string().length(64).default('default'),
    updatedAt: p.datetime(3),
  },
});
export type StockRecord = InferEntity<typeof StockEntity>;
