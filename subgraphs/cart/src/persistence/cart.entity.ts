import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import type { CartLine } from '../domain/cart.js';

/**
 * A user's cart (`userId` set) or a guest cart (`userId` null, id derived from its token); lines
 * as JSON so a cart is one row. `version` is bumped by every write (conditional UPDATE).
 */
export const CartEntity = defineEntity({
  name: 'CartEntity',
  tableName: 'carts',
  properties: {
    id: p.string().length(36).primary(),
    userId: p.string().length(36).unique().nullable(),
    lines: p.json<CartLine[]>(),
    version: p.integer().default(0),
    updatedAt: p.datetime(3),
  },
});
export type CartRecord = InferEntity<typeof CartEntity>;
