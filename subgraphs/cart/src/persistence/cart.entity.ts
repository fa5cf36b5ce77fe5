import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import type { CartLine } from '../domain/cart.js';

/** One cart per user; lines as JSON so a cart (with its items) is one row and one query. */
export const CartEntity = defineEntity({
  name: 'CartEntity',
  tableName: 'carts',
  properties: {
    id: p.string().length(36).primary(),
    userId: p.string().length(36).unique(),
    lines: p.json<CartLine[]>(),
    updatedAt: p.datetime(3),
  },
});
export type CartRecord = InferEntity<typeof CartEntity>;
