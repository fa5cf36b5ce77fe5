import type { ServiceClient } from '@shop/service-client';
import {
  CheckoutCartDocument,
  ClearCheckedOutCartDocument,
} from '../clients/__generated__/cart.js';
import { CustomerEmailDocument } from '../clients/__generated__/users.js';

/** A cart line as cart priced it from catalog at placement time. */
export interface CheckoutLine {
  readonly productId: string;
  readonly title: string | null;
  readonly quantity: number;
  readonly unitPriceCents: number | null;
  readonly availableQuantity: number;
  /** Why the line cannot be bought as it stands (cart's flag); null when it can. */
  readonly problem: string | null;
}

export interface CheckoutCart {
  readonly version: number;
  readonly lines: readonly CheckoutLine[];
}

/** Where placement reads the customer's cart and clears it afterwards (the cart service). */
export interface CartPort {
  checkoutCart(userId: string): Promise<CheckoutCart>;
  /** Empties the cart if it is still at `version`; false when the customer changed it since. */
  clearCheckedOut(userId: string, version: number): Promise<boolean>;
}

/** Where placement reads the customer's email (the users service). */
export interface CustomerDirectory {
  emailOf(userId: string): Promise<string | undefined>;
}

/** Cart through its typed client: orders calls as itself, the query is retried, the mutation not. */
export function cartThrough(client: ServiceClient): CartPort {
  return {
    async checkoutCart(userId) {
      const { checkoutCart } = await client.call(CheckoutCartDocument, { userId });
      return { version: checkoutCart.version, lines: checkoutCart.lines };
    },
    async clearCheckedOut(userId, version) {
      return (await client.call(ClearCheckedOutCartDocument, { userId, version }))
        .clearCheckedOutCart;
    },
  };
}

/** Users through its typed client (`_entities`, which users opens to the orders service for `email`). */
export function customersThrough(client: ServiceClient): CustomerDirectory {
  return {
    async emailOf(userId) {
      const { _entities } = await client.call(CustomerEmailDocument, {
        representations: [{ __typename: 'User', id: userId }],
      });
      return _entities[0]?.email;
    },
  };
}
