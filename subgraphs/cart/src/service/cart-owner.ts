import { createHash, randomBytes } from 'node:crypto';
import { BadUserInputError, UnauthenticatedError } from '@shop/platform';
import { assertSelfOrAdmin, type Identity } from '@shop/subgraph-kit';

// Namespaces of the name-based (RFC 9562 version 5) UUIDs of user and guest carts.
const CART_ID_NAMESPACE = Buffer.from('4d349004bdb64532943c2bf5f6601534', 'hex');
const GUEST_CART_NAMESPACE = Buffer.from('8f0b1c2a6d1e4b7f9a3c5e7d2b4f6a81', 'hex');

function uuidV5(namespace: Buffer, name: string): string {
  const bytes = createHash('sha1').update(namespace).update(name).digest().subarray(0, 16);
  bytes.writeUInt8((bytes.readUInt8(6) & 0x0f) | 0x50, 6);
  bytes.writeUInt8((bytes.readUInt8(8) & 0x3f) | 0x80, 8);
  const hex = bytes.toString('hex');
  return [8, 12, 16, 20].reduceRight((s, i) => `${s.slice(0, i)}-${s.slice(i)}`, hex);
}

/**
 * The id of a user's cart: a version 5 UUID of the user id. It is known before the cart row
 * exists, so the empty cart and the cart created by the first add have the same `Cart.id`, and no
 * two users' empty carts share one (the id is a federation key and a client cache key).
 */
export const cartIdFor = (userId: string): string => uuidV5(CART_ID_NAMESPACE, userId);

const GUEST_TOKEN = /^[A-Za-z0-9_-]{43}$/;

/** A new guest cart token: 256 random bits, base64url; only its hash is ever stored. */
export const newGuestToken = (): string => randomBytes(32).toString('base64url');

/**
 * The id of a guest cart: a version 5 UUID of the token's SHA-256. The token is the only secret;
 * the id (visible as `Cart.id`) does not lead back to it, and the database holds no token.
 */
export function guestCartId(token: string): string {
  if (!GUEST_TOKEN.test(token))
    throw BadUserInputError.fromProblems([
      { field: 'cartToken', message: 'is not a cart token (startGuestCart gives one)' },
    ]);
  return uuidV5(GUEST_CART_NAMESPACE, createHash('sha256').update(token).digest('hex'));
}

/** Whose cart a request works on: the caller's own user cart, or the guest cart of a token. */
export interface CartOwner {
  readonly cartId: string;
  readonly userId: string | null;
}

/**
 * The only way to reach a cart for writing or for `myCart`: a `cartToken` names a guest cart
 * (whoever holds the token holds the cart); without one, the signed-in user's own cart. No cart id
 * from the client is ever trusted, so another customer's cart cannot even be named.
 */
export function ownerOf(identity: Identity, cartToken: string | undefined | null): CartOwner {
  if (cartToken !== undefined && cartToken !== null)
    return { cartId: guestCartId(cartToken), userId: null };
  if (identity.userId === undefined)
    throw new UnauthenticatedError('sign in, or pass the cartToken of your guest cart');
  return { cartId: cartIdFor(identity.userId), userId: identity.userId };
}

/** A user's cart read through `User.cart` or `_entities`: the user itself or an admin only. */
export function userCartOwner(identity: Identity, userId: string): CartOwner {
  assertSelfOrAdmin(identity, userId, 'this cart');
  return { cartId: cartIdFor(userId), userId };
}
