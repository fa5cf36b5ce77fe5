import type { OrderStatus } from './order-status.js';

export { ORDER_STATUSES, type OrderStatus } from './order-status.js';

/** One line of an order as priced on the server at placement. */
export interface OrderLine {
  readonly productId: string;
  /** The product's title at placement; absent on orders written before titles were kept. */
  readonly title?: string;
  readonly quantity: number;
  readonly unitPriceCents: number;
}

export interface OrderTotals {
  readonly subtotalCents: number;
  readonly discountCents: number;
  readonly shippingCents: number;
  /** Store credit applied (domain/deductions.ts); 0 at placement. */
  readonly creditCents: number;
  readonly totalCents: number;
}

/** The subtotal is always computed from the lines, never taken from a client. */
export const orderTotalCents = (lines: readonly OrderLine[]): number =>
  lines.reduce((sum, l) => sum + l.quantity * l.unitPriceCents, 0);

/**
 * The totals of an order at placement. Free shipping for now; the coupon's discount and store
 * credit are 0 until the place-order saga applies them (`applyDeductions`), and
 * `totalCents = subtotalCents - discountCents + shippingCents - creditCents` holds throughout.
 */
export function orderTotals(lines: readonly OrderLine[]): OrderTotals {
  const subtotalCents = orderTotalCents(lines);
  const discountCents = 0;
  const shippingCents = 0;
  return {
    subtotalCents,
    discountCents,
    shippingCents,
    creditCents: 0,
    totalCents: subtotalCents - discountCents + shippingCents,
  };
}

/** One entry of an order's status history. */
export interface StatusChange {
  readonly from: OrderStatus | null;
  readonly to: OrderStatus;
  readonly at: Date;
  readonly reason: string | null;
}

/**
 * The human-facing order number: 10 characters of Crockford base32 (no I, L, O, U) in two groups,
 * from 50 random bits; unique in the database, where a collision would only retry the placement.
 */
export function newOrderNumber(random: Uint8Array = crypto.getRandomValues(new Uint8Array(10))) {
  const alphabet = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
  const chars = [...random.slice(0, 10)].map((b) => alphabet[b % 32] ?? '0');
  return `${chars.slice(0, 5).join('')}-${chars.slice(5).join('')}`;
}
