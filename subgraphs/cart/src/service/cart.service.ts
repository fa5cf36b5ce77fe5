import { setTimeout as sleep } from 'node:timers/promises';
import { BadUserInputError, ConflictError, ForbiddenError } from '@shop/platform';
import { accessDenied, hasRole, type Identity } from '@shop/subgraph-kit';
import {
  addLine,
  mergeCarts,
  priceCart,
  removeLine,
  setLineQuantity,
  type CartLine,
  type LinesOrProblem,
  type MergeOutcome,
  type PricedCart,
} from '../domain/cart.js';
import type { CartCache } from '../persistence/cart-cache.js';
import type { CartRepository, StoredCart } from '../persistence/cart.repository.js';
import { cartIdFor, newGuestToken, ownerOf, userCartOwner, type CartOwner } from './cart-owner.js';
import type { ProductFactsLookup } from './catalog-facts.js';

export { cartIdFor } from './cart-owner.js';

/** A cart as shown: its id and owner, priced from catalog now. */
export interface CartView extends PricedCart {
  readonly id: string;
  readonly userId: string | null;
}

/** A user's cart as orders reads it at placement: priced now, with the version it was read at. */
export interface CheckoutCartView extends CartView {
  readonly version: number;
}

/** The one service allowed to read and clear a user's cart for checkout. */
export const CHECKOUT_SERVICE = 'orders';

function assertCheckoutService(identity: Identity): void {
  if (identity.service !== CHECKOUT_SERVICE)
    throw new ForbiddenError(`only the ${CHECKOUT_SERVICE} service can check out a cart`);
}

export interface MergeResult extends Omit<MergeOutcome, 'lines'> {
  readonly cart: CartView;
}

/** How often a write recomputes after losing a race before giving up with CONFLICT. */
const MAX_ATTEMPTS = 30;

const emptyStored = (owner: CartOwner): StoredCart => ({
  id: owner.cartId,
  userId: owner.userId,
  lines: [],
  version: 0,
});

function orThrow(result: LinesOrProblem): CartLine[] {
  if (!Array.isArray(result)) throw BadUserInputError.fromProblems([result]);
  return result;
}

/**
 * Carts: every use case takes the caller's identity (and guest token) and finds the cart itself
 * (`ownerOf`), so ownership is decided here, not by resolvers. Reads go through the Redis cache;
 * writes are optimistic: read the row, compute the new lines with a pure function, write them
 * only if the row is still at the version read, otherwise read again. Prices and availability
 * come from catalog on every read and are never stored.
 */
export class CartService {
  constructor(
    private readonly repo: CartRepository,
    private readonly cache: CartCache,
  ) {}

  /** A fresh guest cart token; the cart itself exists from its first add. */
  startGuestCart(): string {
    return newGuestToken();
  }

  /** The caller's cart (or the token's guest cart); an empty cart with its final id before the first add. */
  async myCart(
    identity: Identity,
    cartToken: string | null | undefined,
    facts: ProductFactsLookup,
  ): Promise<CartView> {
    return this.view(await this.read(ownerOf(identity, cartToken)), facts);
  }

  /** Rows of users' carts, one query for all (for a BatchLoader); pass each through `userCart`. */
  rowsOfUsers(userIds: readonly string[]): Promise<Map<string, StoredCart>> {
    return this.repo.byUserIds(userIds);
  }

  /** Rows by cart id, one query for all (for a BatchLoader); pass each through `readable`. */
  rowsById(ids: readonly string[]): Promise<Map<string, StoredCart>> {
    return this.repo.byIds(ids);
  }

  /** `User.cart`: the user itself or an admin only; an empty cart before the first add. */
  userCart(identity: Identity, userId: string, row: StoredCart | undefined): StoredCart {
    const owner = userCartOwner(identity, userId);
    return row ?? emptyStored(owner);
  }

  /**
   * A cart reached by id (`_entities`): a user's cart for the user itself or an admin; a guest
   * cart for an admin only (its token opens it, and a reference carries none).
   */
  readable(identity: Identity, row: StoredCart): StoredCart {
    if (row.userId !== null) userCartOwner(identity, row.userId);
    else if (!hasRole(identity, 'admin')) throw accessDenied(identity, 'this cart');
    return row;
  }

  async view(cart: StoredCart, facts: ProductFactsLookup): Promise<CartView> {
    const productFacts =
      cart.lines.length === 0 ? new Map() : await facts(cart.lines.map((l) => l.productId));
    return { id: cart.id, userId: cart.userId, ...priceCart(cart.lines, productFacts) };
  }

  /** Adds a product catalog offers; refused (BAD_USER_INPUT) for a product it does not. */
  async add(
    identity: Identity,
    cartToken: string | null | undefined,
    productId: string,
    quantity: number,
    facts: ProductFactsLookup,
  ): Promise<CartView> {
    const owner = ownerOf(identity, cartToken);
    orThrow(addLine([], productId, quantity));
    const product = (await facts([productId])).get(productId);
    if (product === undefined)
      throw BadUserInputError.fromProblems([{ field: 'productId', message: 'no such product' }]);
    if (!product.offered)
      throw BadUserInputError.fromProblems([
        { field: 'productId', message: 'the product is no longer sold' },
      ]);
    return this.view(
      await this.change(owner, (lines) => addLine(lines, productId, quantity)),
      facts,
    );
  }

  async update(
    identity: Identity,
    cartToken: string | null | undefined,
    productId: string,
    quantity: number,
    facts: ProductFactsLookup,
  ): Promise<CartView> {
    const owner = ownerOf(identity, cartToken);
    return this.view(
      await this.change(owner, (lines) => setLineQuantity(lines, productId, quantity)),
      facts,
    );
  }

  async remove(
    identity: Identity,
    cartToken: string | null | undefined,
    productId: string,
    facts: ProductFactsLookup,
  ): Promise<CartView> {
    const owner = ownerOf(identity, cartToken);
    return this.view(await this.change(owner, (lines) => removeLine(lines, productId)), facts);
  }

  async clear(
    identity: Identity,
    cartToken: string | null | undefined,
    facts: ProductFactsLookup,
  ): Promise<CartView> {
    const owner = ownerOf(identity, cartToken);
    return this.view(await this.change(owner, () => []), facts);
  }

  /**
   * A user's cart for placement, read by the orders service as itself (never by a user): the
   * database row (not the cache, which may lag), priced from catalog now, with its version.
   */
  async checkoutCart(
    identity: Identity,
    userId: string,
    facts: ProductFactsLookup,
  ): Promise<CheckoutCartView> {
    assertCheckoutService(identity);
    const owner: CartOwner = { cartId: cartIdFor(userId), userId };
    const row = (await this.repo.byIds([owner.cartId])).get(owner.cartId) ?? emptyStored(owner);
    return { ...(await this.view(row, facts)), version: row.version };
  }

  /**
   * Empties a user's cart after an order was placed from it, only if it is still at the version
   * the order was read from: lines the customer added since stay. True when it was emptied.
   */
  async clearCheckedOut(identity: Identity, userId: string, version: number): Promise<boolean> {
    assertCheckoutService(identity);
    const owner: CartOwner = { cartId: cartIdFor(userId), userId };
    const row = (await this.repo.byIds([owner.cartId])).get(owner.cartId);
    if (row?.version !== version) return false;
    if (!(await this.repo.write(row, []))) return false;
    await this.cache.put({ ...row, lines: [], version: row.version + 1 });
    return true;
  }

  /**
   * Moves a guest cart into the signed-in caller's cart (see `mergeCarts` for the rules) and
   * deletes it, in one transaction that checks both versions: merging the same token twice, even
   * concurrently, merges it once (the second finds no guest cart and merges nothing).
   */
  async mergeGuestCart(
    identity: Identity,
    cartToken: string,
    facts: ProductFactsLookup,
  ): Promise<MergeResult> {
    const userOwner = ownerOf(identity, undefined);
    const guestOwner = ownerOf(identity, cartToken);
    for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
      const rows = await this.repo.byIds([userOwner.cartId, guestOwner.cartId]);
      const user = rows.get(userOwner.cartId) ?? emptyStored(userOwner);
      const guest = rows.get(guestOwner.cartId);
      if (guest === undefined || guest.lines.length === 0) {
        return { cart: await this.view(user, facts), merged: [], dropped: [] };
      }
      const productFacts = await facts(guest.lines.map((l) => l.productId));
      const outcome = mergeCarts(user.lines, guest.lines, productFacts);
      const done = await this.repo.atomically(
        async (em) =>
          (await this.repo.remove(guest.id, guest.version, em)) &&
          (await this.repo.write(user, outcome.lines, em)),
      );
      if (done) {
        const written = { ...user, lines: outcome.lines, version: user.version + 1 };
        await this.cache.put(written);
        await this.cache.put({ ...guest, lines: [], version: guest.version + 1 });
        return {
          cart: await this.view(written, facts),
          merged: outcome.merged,
          dropped: outcome.dropped,
        };
      }
      await backoff(attempt);
    }
    throw new ConflictError('the cart kept changing; try again');
  }

  /** Read-through: the cache, else the database (then cached); no row is an empty cart. */
  private async read(owner: CartOwner): Promise<StoredCart> {
    const cached = await this.cache.get(owner.cartId);
    if (cached !== undefined) return cached;
    const row = (await this.repo.byIds([owner.cartId])).get(owner.cartId);
    if (row === undefined) return emptyStored(owner);
    await this.cache.put(row);
    return row;
  }

  /**
   * The optimistic write loop: the row is read from the database (never the cache, which may lag),
   * `edit` computes the new lines, and the conditional write lands only on the version read.
   */
  private async change(
    owner: CartOwner,
    edit: (lines: readonly CartLine[]) => LinesOrProblem,
  ): Promise<StoredCart> {
    for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
      const current =
        (await this.repo.byIds([owner.cartId])).get(owner.cartId) ?? emptyStored(owner);
      const lines = orThrow(edit(current.lines));
      if (await this.repo.write(current, lines)) {
        const written: StoredCart = { ...current, lines, version: current.version + 1 };
        await this.cache.put(written);
        return written;
      }
      await backoff(attempt);
    }
    throw new ConflictError('the cart kept changing; try again');
  }
}

/** Jittered, growing pause after a lost race, so racing writers spread out. */
const backoff = (attempt: number) => sleep(Math.random() * Math.min(50, 2 * attempt));
