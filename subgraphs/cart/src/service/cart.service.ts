import { createHash } from 'node:crypto';
import {
  DeadlockException,
  LockMode,
  UniqueConstraintViolationException,
  type EntityManager,
} from '@mikro-orm/mysql';
import { BadUserInputError } from '@shop/platform';
import { addLine } from '../domain/cart.js';
import { CartEntity, type CartRecord } from '../persistence/cart.entity.js';

// Namespace of the name-based (RFC 9562 version 5) UUIDs of carts.
const CART_ID_NAMESPACE = Buffer.from('4d349004bdb64532943c2bf5f6601534', 'hex');

/**
 * The id of a user's cart: a version 5 UUID of the user id. It is known before the cart row
 * exists, so the empty cart and the cart created by the first add have the same `Cart.id`, and no
 * two users' empty carts share one (the id is a federation key and a client cache key).
 */
export function cartIdFor(userId: string): string {
  const bytes = createHash('sha1')
    .update(CART_ID_NAMESPACE)
    .update(userId)
    .digest()
    .subarray(0, 16);
  bytes.writeUInt8((bytes.readUInt8(6) & 0x0f) | 0x50, 6);
  bytes.writeUInt8((bytes.readUInt8(8) & 0x3f) | 0x80, 8);
  const hex = bytes.toString('hex');
  return [
    hex.slice(0, 8),
    hex.slice(8, 12),
    hex.slice(12, 16),
    hex.slice(16, 20),
    hex.slice(20),
  ].join('-');
}

/** A cart that has never been written: every user has one, empty, under its final id. */
export const emptyCart = (userId: string): CartRecord => ({
  id: cartIdFor(userId),
  userId,
  lines: [],
  updatedAt: new Date(0),
});

/**
 * Carts and their items. Callers check ownership first (`assertSelfOrAdmin`): a cart is read and
 * written only by its user or an admin.
 */
export class CartService {
  constructor(private readonly em: EntityManager) {}

  /** One query for any number of users. */
  async byUserIds(userIds: readonly string[]): Promise<Map<string, CartRecord>> {
    const carts = await this.em.fork().find(CartEntity, { userId: { $in: [...userIds] } });
    return new Map(carts.map((c) => [c.userId, c]));
  }

  /** One query for any number of cart ids. */
  async byIds(ids: readonly string[]): Promise<Map<string, CartRecord>> {
    const carts = await this.em.fork().find(CartEntity, { id: { $in: [...ids] } });
    return new Map(carts.map((c) => [c.id, c]));
  }

  /**
   * Adds to the user's cart under a row lock. Two first adds racing to create the cart collide on
   * the unique user id (or deadlock on the gap lock); the loser retries and then finds the row.
   */
  async addItem(userId: string, productId: string, quantity: number): Promise<CartRecord> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.tryAddItem(userId, productId, quantity);
      } catch (err) {
        const retryable =
          err instanceof UniqueConstraintViolationException || err instanceof DeadlockException;
        if (!retryable || attempt >= 3) throw err;
      }
    }
  }

  private tryAddItem(userId: string, productId: string, quantity: number): Promise<CartRecord> {
    return this.em.fork().transactional(async (em) => {
      let cart = await em.findOne(CartEntity, { userId }, { lockMode: LockMode.PESSIMISTIC_WRITE });
      const lines = addLine(cart?.lines ?? [], productId, quantity);
      if (!Array.isArray(lines)) throw BadUserInputError.fromProblems([lines]);
      if (cart === null) {
        cart = em.create(CartEntity, {
          id: cartIdFor(userId),
          userId,
          lines,
          updatedAt: new Date(),
        });
      } else {
        cart.lines = lines;
        cart.updatedAt = new Date();
      }
      await em.flush();
      return cart;
    });
  }
}
