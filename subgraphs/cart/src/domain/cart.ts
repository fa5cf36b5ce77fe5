import type { FieldProblem } from '@shop/platform';

export interface CartLine {
  readonly productId: string;
  readonly quantity: number;
}

export const MAX_QUANTITY = 99;
export const MAX_LINES = 100;

/** A problem with the input, or the new lines. */
export type LinesOrProblem = CartLine[] | FieldProblem;

function quantityProblem(quantity: number): FieldProblem | undefined {
  if (!Number.isInteger(quantity) || quantity < 1 || quantity > MAX_QUANTITY)
    return { field: 'quantity', message: `must be a whole number from 1 to ${MAX_QUANTITY}` };
  return undefined;
}

function productProblem(productId: string): FieldProblem | undefined {
  if (productId.trim().length === 0 || productId.length > 64)
    return { field: 'productId', message: 'must be 1 to 64 characters' };
  return undefined;
}

/** Adds `quantity` of a product (merging with an existing line); returns the new lines or a problem. */
export function addLine(
  lines: readonly CartLine[],
  productId: string,
  quantity: number,
): LinesOrProblem {
  const problem = quantityProblem(quantity) ?? productProblem(productId);
  if (problem !== undefined) return problem;
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

/** Sets a line's quantity; the product must already be in the cart. */
export function setLineQuantity(
  lines: readonly CartLine[],
  productId: string,
  quantity: number,
): LinesOrProblem {
  const problem = quantityProblem(quantity) ?? productProblem(productId);
  if (problem !== undefined) return problem;
  if (!lines.some((l) => l.productId === productId))
    return { field: 'productId', message: 'is not in the cart' };
  return lines.map((l) => (l.productId === productId ? { productId, quantity } : l));
}

/** Removes a line; removing a product that is not in the cart is a no-op (idempotent). */
export const removeLine = (lines: readonly CartLine[], productId: string): CartLine[] =>
  lines.filter((l) => l.productId !== productId);

/** What catalog says about a product right now; `undefined` when catalog does not know it. */
export interface ProductFacts {
  readonly title: string;
  readonly priceCents: number;
  readonly availableQuantity: number;
  /** false once catalog archived it: still known (its title shows), no longer sold. */
  readonly offered: boolean;
}

export type LineProblem = 'UNAVAILABLE' | 'OUT_OF_STOCK' | 'INSUFFICIENT_STOCK';

export interface PricedLine extends CartLine {
  readonly title: string | null;
  /** Catalog's price now; null when catalog no longer offers the product. */
  readonly unitPriceCents: number | null;
  /** 0 for a flagged line: it cannot be bought as it stands. */
  readonly lineTotalCents: number;
  readonly availableQuantity: number;
  readonly problem: LineProblem | null;
}

export interface PricedCart {
  readonly lines: PricedLine[];
  readonly itemCount: number;
  /** Sum of the lines that can be bought as they stand. */
  readonly subtotalCents: number;
  /** Not empty and no line flagged. */
  readonly readyForCheckout: boolean;
}

/**
 * Prices a cart from catalog's facts at read time. A line whose product catalog no longer offers
 * (archived or unknown) or cannot supply is kept and flagged, never dropped: the customer decides.
 */
export function priceCart(
  lines: readonly CartLine[],
  facts: ReadonlyMap<string, ProductFacts>,
): PricedCart {
  const priced = lines.map((line): PricedLine => {
    const p = facts.get(line.productId);
    if (p === undefined || !p.offered)
      return {
        ...line,
        title: p?.title ?? null,
        unitPriceCents: null,
        lineTotalCents: 0,
        availableQuantity: 0,
        problem: 'UNAVAILABLE',
      };
    const problem: LineProblem | null =
      p.availableQuantity <= 0
        ? 'OUT_OF_STOCK'
        : p.availableQuantity < line.quantity
          ? 'INSUFFICIENT_STOCK'
          : null;
    return {
      ...line,
      title: p.title,
      unitPriceCents: p.priceCents,
      lineTotalCents: problem === null ? p.priceCents * line.quantity : 0,
      availableQuantity: p.availableQuantity,
      problem,
    };
  });
  return {
    lines: priced,
    itemCount: lines.reduce((n, l) => n + l.quantity, 0),
    subtotalCents: priced.reduce((n, l) => n + l.lineTotalCents, 0),
    readyForCheckout: priced.length > 0 && priced.every((l) => l.problem === null),
  };
}

export type DropReason = 'UNAVAILABLE' | 'OUT_OF_STOCK' | 'CART_FULL';

export interface MergeOutcome {
  readonly lines: CartLine[];
  /** Guest lines merged: `quantity` added, less than `requested` when capped. */
  readonly merged: { productId: string; requested: number; quantity: number }[];
  readonly dropped: { productId: string; quantity: number; reason: DropReason }[];
}

/**
 * Merges a guest cart into a user's cart at sign-in: quantities are added, and the sum is capped
 * by what catalog can supply now and by MAX_QUANTITY; a product catalog no longer offers or has
 * none of is dropped with its reason, and so is a new product once the cart is full.
 */
export function mergeCarts(
  userLines: readonly CartLine[],
  guestLines: readonly CartLine[],
  facts: ReadonlyMap<string, ProductFacts>,
): MergeOutcome {
  const lines = userLines.map((l) => ({ ...l }));
  const merged: MergeOutcome['merged'] = [];
  const dropped: MergeOutcome['dropped'] = [];
  for (const g of guestLines) {
    const p = facts.get(g.productId);
    if (p === undefined || !p.offered) {
      dropped.push({ productId: g.productId, quantity: g.quantity, reason: 'UNAVAILABLE' });
      continue;
    }
    if (p.availableQuantity <= 0) {
      dropped.push({ productId: g.productId, quantity: g.quantity, reason: 'OUT_OF_STOCK' });
      continue;
    }
    const existing = lines.find((l) => l.productId === g.productId);
    if (existing === undefined && lines.length >= MAX_LINES) {
      dropped.push({ productId: g.productId, quantity: g.quantity, reason: 'CART_FULL' });
      continue;
    }
    const had = existing?.quantity ?? 0;
    const cap = Math.max(had, Math.min(MAX_QUANTITY, p.availableQuantity));
    const total = Math.min(had + g.quantity, cap);
    if (existing === undefined) lines.push({ productId: g.productId, quantity: total });
    else existing.quantity = total;
    merged.push({ productId: g.productId, requested: g.quantity, quantity: total - had });
  }
  return { lines, merged, dropped };
}
