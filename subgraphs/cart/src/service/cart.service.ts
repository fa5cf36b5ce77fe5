import {
  DeadlockException,
  LockMode,
  UniqueConstraintViolationException,
  type EntityManager,
} from '@mikro-orm/mysql';
import { BadUserInputError } from '@shop/platform';
import { addLine } from '../domain/cart.js';
import { CartEntity, type CartRecord } from '../persistence/cart.entity.js';

/** A cart that has never been written: every user has one, empty. */
export const emptyCart = (userId: string): CartRecord => ({
  id: '',
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
      if (!Array.isArray(lines))
        throw new BadUserInputError(`${lines.field} ${lines.message}`, { field: lines.field });
      if (cart === null) {
        cart = em.create(CartEntity, {
          id: crypto.randomUUID(),
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
