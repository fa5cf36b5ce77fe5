import type { FieldProblem } from '@shop/platform';

export interface CartLine {
  readonly productId: string;
  readonly quantity: number;
}

export const MAX_QUANTITY = 99;
export const MAX_LINES = 100;

/** Adds `quantity` of a product (merging with an existing line); returns the new lines or a problem. */
export function addLine(
  lines: readonly CartLine[],
  productId: string,
  quantity: number,
): CartLine[] | FieldProblem {
  if (!Number.isInteger(quantity) || quantity < 1 || quantity > MAX_QUANTITY)
    return { field: 'quantity', message: `must be a whole number from 1 to ${MAX_QUANTITY}` };
  if (productId.trim().length === 0) return { field: 'productId', message: 'must not be empty' };
  const existing = lines.find((l) => l.productId === productId);
  if (existing === undefined) {
    if (lines.length >= MAX_LINES)
      return { field: 'productId', message: `a cart holds at most ${MAX_LINES} products` };
    return [...lines, { productId, quantity }];
  }
  const total = existing.quantity + quantity;
  if (total > MAX_QUANTITY)
    return { field: 'quantity', message: `at most ${MAX_QUANTITY} of one product` };
  return lines.map((l) => (l.productId === productId ? { productId, quantity: total } : l));
}
