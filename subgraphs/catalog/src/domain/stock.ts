import type { FieldProblem } from '@shop/platform';

/** One product's stock: units on the shelf, units held by reservations, and when to reorder. */
export interface StockLevel {
  readonly productId: string;
  readonly onHand: number;
  readonly reserved: number;
  /** Available stock below this is low (0: never low). */
  readonly lowStockThreshold: number;
}

/** A stock level with the supplier that replenishes it: the admin's view of a stock row. */
export interface SuppliedStockLevel extends StockLevel {
  readonly supplier: string;
}

/** Largest on-hand count or threshold accepted (fits a signed 32-bit column with room to add). */
export const MAX_STOCK_UNITS = 1_000_000_000;

/** Same rule as a product id (`productProblems`): stock rows are keyed by product id. */
export const PRODUCT_ID_PATTERN = /^[A-Za-z0-9._-]{1,64}$/;

/** A supplier's name, as the supplier port knows it (`sim-partial`, `acme`). */
export const SUPPLIER_PATTERN = /^[A-Za-z0-9._-]{1,64}$/;

/** The supplier of a stock row nobody named one for (the column's default). */
export const DEFAULT_SUPPLIER = 'default';

/** Units that can still be reserved. Never negative while `reserved <= onHand` holds. */
export const availableOf = (s: StockLevel): number => s.onHand - s.reserved;

/** The level of a product that has no stock record: nothing on hand, nothing held. */
export const emptyStock = (productId: string): StockLevel => ({
  productId,
  onHand: 0,
  reserved: 0,
  lowStockThreshold: 0,
});

export const isLowStock = (s: StockLevel): boolean => availableOf(s) < s.lowStockThreshold;

/** What one product's stock change publishes. */
export interface StockChangeEvents {
  /** Anything a reader of the stock sees (on hand, reserved) changed. */
  readonly changed: boolean;
  /** Available stock crossed below the threshold in this change: `catalog.stock-low`. */
  readonly becameLow: boolean;
}

/**
 * The events of one change from `before` to `after`. Low stock is reported on the crossing only
 * (not low before, low after), so a run of reservations below the threshold reports it once;
 * a refill above it and a new fall report it again. Each change is computed under the row's lock,
 * so consecutive changes see each other's `after` as their `before` and no crossing is missed or
 * reported twice.
 */
export function stockChangeEvents(before: StockLevel, after: StockLevel): StockChangeEvents {
  return {
    changed: before.onHand !== after.onHand || before.reserved !== after.reserved,
    becameLow: !isLowStock(before) && isLowStock(after),
  };
}

/** An admin's change to one product's stock. */
export interface StockAdjustment {
  readonly productId: string;
  /** Counted stock: the new on-hand figure. Exclusive with `addOnHand`. */
  readonly setOnHand?: number | null;
  /** Goods received (positive) or written off (negative). Exclusive with `setOnHand`. */
  readonly addOnHand?: number | null;
  readonly lowStockThreshold?: number | null;
  /** Who replenishes the product from now on (its next replenishment orders from them). */
  readonly supplier?: string | null;
}

export type AdjustmentPlan<T extends StockLevel = StockLevel> =
  | { readonly ok: true; readonly next: T }
  | { readonly ok: false; readonly problems: readonly FieldProblem[] };

const isCount = (n: number): boolean => Number.isInteger(n) && n >= 0 && n <= MAX_STOCK_UNITS;

/** Problems with the adjustment's own fields, whatever the current stock. */
export function adjustmentProblems(adjustment: StockAdjustment): FieldProblem[] {
  const problems: FieldProblem[] = [];
  const { setOnHand, addOnHand, lowStockThreshold, supplier } = adjustment;
  if (!PRODUCT_ID_PATTERN.test(adjustment.productId))
    problems.push({ field: 'productId', message: 'must be 1-64 letters, digits, . _ or -' });
  if (setOnHand != null && addOnHand != null)
    problems.push({ field: 'addOnHand', message: 'cannot be given together with setOnHand' });
  if (setOnHand == null && addOnHand == null && lowStockThreshold == null && supplier == null)
    problems.push({
      field: 'setOnHand',
      message: 'give setOnHand, addOnHand, lowStockThreshold or supplier',
    });
  if (setOnHand != null && !isCount(setOnHand))
    problems.push({
      field: 'setOnHand',
      message: `must be a whole number from 0 to ${MAX_STOCK_UNITS}`,
    });
  if (addOnHand != null && (!Number.isInteger(addOnHand) || addOnHand === 0))
    problems.push({ field: 'addOnHand', message: 'must be a whole number other than 0' });
  if (lowStockThreshold != null && !isCount(lowStockThreshold))
    problems.push({
      field: 'lowStockThreshold',
      message: `must be a whole number from 0 to ${MAX_STOCK_UNITS}`,
    });
  if (supplier != null && !SUPPLIER_PATTERN.test(supplier))
    problems.push({ field: 'supplier', message: 'must be 1-64 letters, digits, . _ or -' });
  return problems;
}

/**
 * The stock after `adjustment`, or every problem with it. On hand may never drop below what
 * reservations hold: those units are promised to orders. Only the figures change: what else
 * `current` carries is kept (a new `supplier` is not a figure; the caller writes it).
 */
export function planAdjustment<T extends StockLevel>(
  current: T,
  adjustment: StockAdjustment,
): AdjustmentPlan<T> {
  const shape = adjustmentProblems(adjustment);
  if (shape.length > 0) return { ok: false, problems: shape };
  const { setOnHand, addOnHand, lowStockThreshold } = adjustment;
  const onHand = setOnHand ?? current.onHand + (addOnHand ?? 0);
  const field = setOnHand != null ? 'setOnHand' : 'addOnHand';
  if (onHand < current.reserved)
    return {
      ok: false,
      problems: [
        {
          field,
          message: `would leave ${onHand} on hand, below the ${current.reserved} reserved for orders`,
        },
      ],
    };
  if (onHand > MAX_STOCK_UNITS)
    return {
      ok: false,
      problems: [{ field, message: `would put more than ${MAX_STOCK_UNITS} on hand` }],
    };
  return {
    ok: true,
    next: { ...current, onHand, lowStockThreshold: lowStockThreshold ?? current.lowStockThreshold },
  };
}
