/** Lifecycle states; the state machine and its transitions arrive with order placement. */
export const ORDER_STATUSES = [
  'PENDING',
  'CONFIRMED',
  'CANCELLED',
  'SHIPPED',
  'DELIVERED',
] as const;
export type OrderStatus = (typeof ORDER_STATUSES)[number];

export interface OrderLine {
  readonly productId: string;
  readonly quantity: number;
  readonly unitPriceCents: number;
}

/** The total is always computed from the lines, never taken from a client. */
export const orderTotalCents = (lines: readonly OrderLine[]): number =>
  lines.reduce((sum, l) => sum + l.quantity * l.unitPriceCents, 0);
