import { availableOf, isLowStock, MAX_STOCK_UNITS, type StockLevel } from './stock.js';

/** The orchestrator's saga type that runs a replenishment (its saga id: `replenish-<id>`). */
export const REPLENISH_STOCK_SAGA = 'replenish-stock';

/**
 * `ORDERING`: opened, no purchase order yet; `ORDERED`: the supplier took the order, nothing
 * stocked yet; `PARTIALLY_RECEIVED`: some units stocked, more ordered; `RECEIVED`: every ordered
 * unit stocked (still open until the saga closes it, then closed with this status);
 * `SHORT_CLOSED`: closed with units the supplier never delivered.
 */
export const REPLENISHMENT_STATUSES = [
  'ORDERING',
  'ORDERED',
  'PARTIALLY_RECEIVED',
  'RECEIVED',
  'SHORT_CLOSED',
] as const;
export type ReplenishmentStatus = (typeof REPLENISHMENT_STATUSES)[number];

/** The deferred `await-goods` command a replenishment owes an answer to. */
export interface AwaitingStep {
  readonly sagaId: string;
  readonly step: number;
}

/**
 * One purchase of a product's stock from its supplier, from the low-stock crossing that opened it
 * to the close. At most one is open per product.
 */
export interface Replenishment {
  readonly id: string;
  readonly productId: string;
  /** The supplier its purchase order went, or goes, to. */
  readonly supplier: string;
  /**
   * A call placing its order is under way, or got no answer (a deadline, a crash before the answer
   * was recorded): the supplier may hold the order under its key, so the order stays with that
   * supplier until it answers definitively.
   */
  readonly placementUncertain: boolean;
  readonly status: ReplenishmentStatus;
  /** Whether it is still open (its product can get no other one until it closes). */
  readonly open: boolean;
  readonly ordered: number;
  /** Units the supplier delivered so far (every recorded delivery). */
  readonly received: number;
  /** Units of those added to the product's stock on hand. */
  readonly stocked: number;
  readonly supplierOrderId: string | null;
  /** When the supplier took the order: a simulated supplier derives its deliveries from it. */
  readonly placedAt: Date | null;
  readonly awaiting: AwaitingStep | null;
  /** Why its saga is parked (NEEDS_ATTENTION), until a step succeeds or an admin retries. */
  readonly attention: string | null;
  readonly attentionStep: string | null;
  readonly createdAt: Date;
  readonly updatedAt: Date;
}

/** Where a replenishment stands in units: every step's result (`replenishmentProgressV1`). */
export interface ReplenishmentProgress {
  readonly ordered: number;
  readonly received: number;
  readonly stocked: number;
  /** Still expected from the supplier: ordered − received, 0 once closed. */
  readonly outstanding: number;
}

export const progressOf = (r: Replenishment): ReplenishmentProgress => ({
  ordered: r.ordered,
  received: r.received,
  stocked: r.stocked,
  outstanding: r.open ? Math.max(0, r.ordered - r.received) : 0,
});

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Whether `id` can name a replenishment at all (ids are UUIDs). */
export const isReplenishmentId = (id: string): boolean => UUID.test(id);

/** What a product whose stock is at `level` gets: a new replenishment of `ordered` units, or none. */
export type OpeningPlan =
  | { readonly open: true; readonly ordered: number }
  | { readonly open: false; readonly why: 'not low' | 'no room' };

/**
 * Whether a product at `level` should get a replenishment (if it has no open one): only while
 * its available stock is below its threshold. It orders enough to bring available stock to twice
 * the threshold, capped so that on hand stays within MAX_STOCK_UNITS once the goods are stocked.
 */
export function planOpening(level: StockLevel): OpeningPlan {
  if (!isLowStock(level)) return { open: false, why: 'not low' };
  const ordered = Math.min(
    2 * level.lowStockThreshold - availableOf(level),
    MAX_STOCK_UNITS - level.onHand,
  );
  return ordered > 0 ? { open: true, ordered } : { open: false, why: 'no room' };
}

/** What a `place-purchase-order` does with the replenishment as it stands. */
export type PlacementVerdict =
  | { readonly kind: 'place' }
  | { readonly kind: 'placed'; readonly supplierOrderId: string }
  | { readonly kind: 'refused'; readonly reason: string };

/** Placing is idempotent: a replenishment that has its order answers with it. */
export function judgePlacement(r: Replenishment): PlacementVerdict {
  if (r.supplierOrderId !== null) return { kind: 'placed', supplierOrderId: r.supplierOrderId };
  if (!r.open)
    return { kind: 'refused', reason: `replenishment ${r.id} was closed before it was ordered` };
  return { kind: 'place' };
}

/**
 * The supplier a placement calls: the product's supplier as it is now (an operator may have named
 * another after a refusal), unless a call to the replenishment's supplier went unanswered: that
 * supplier may hold the order, so calling another under the same key could order twice.
 */
export const placementSupplier = (r: Replenishment, productSupplier: string | undefined): string =>
  r.placementUncertain ? r.supplier : (productSupplier ?? r.supplier);

/** Every step that succeeds clears the note of a parked saga: it is moving again. */
export const withoutAttention = (r: Replenishment): Replenishment =>
  r.attention === null && r.attentionStep === null
    ? r
    : { ...r, attention: null, attentionStep: null };

/** The replenishment once its supplier took the order. */
export const placed = (
  r: Replenishment,
  order: { readonly supplier: string; readonly supplierOrderId: string; readonly placedAt: Date },
): Replenishment =>
  withoutAttention({ ...r, ...order, placementUncertain: false, status: 'ORDERED' });

export type AwaitVerdict =
  | { readonly kind: 'answer' }
  | { readonly kind: 'wait' }
  | { readonly kind: 'refused'; readonly reason: string };

/**
 * An `await-goods` is answered as soon as there are received units to stock, or nothing more is
 * expected (all delivered, or closed); until then it waits for the next delivery.
 */
export function judgeAwait(r: Replenishment): AwaitVerdict {
  if (r.supplierOrderId === null && r.open)
    return { kind: 'refused', reason: `replenishment ${r.id} has no purchase order yet` };
  const { received, stocked, outstanding } = progressOf(r);
  return received > stocked || outstanding === 0 ? { kind: 'answer' } : { kind: 'wait' };
}

/** Status of an open replenishment by what is stocked of what was ordered. */
export function openStatus(
  r: Pick<Replenishment, 'ordered' | 'stocked' | 'supplierOrderId'>,
): ReplenishmentStatus {
  if (r.supplierOrderId === null) return 'ORDERING';
  if (r.stocked >= r.ordered) return 'RECEIVED';
  return r.stocked > 0 ? 'PARTIALLY_RECEIVED' : 'ORDERED';
}

/**
 * The received units not yet on the shelf, and the replenishment once they are. `units` 0: nothing
 * to stock (a repeated command, or a step whose delivery brought nothing).
 */
export function planStocking(r: Replenishment): { units: number; next: Replenishment } {
  const units = r.received - r.stocked;
  if (units <= 0) return { units: 0, next: r };
  const stocked = r.received;
  return {
    units,
    next: {
      ...r,
      stocked,
      status: r.open ? openStatus({ ...r, stocked }) : r.status,
    },
  };
}

/**
 * The replenishment closed: RECEIVED when nothing is outstanding, SHORT_CLOSED when the supplier
 * left units undelivered; no deferred answer is owed any more. Its units must be stocked first.
 */
export function closed(r: Replenishment): Replenishment {
  if (!r.open) return r;
  return {
    ...r,
    open: false,
    status: r.received >= r.ordered ? 'RECEIVED' : 'SHORT_CLOSED',
    awaiting: null,
  };
}

/** Whether an admin may retry the replenishment's saga: only a parked one (CONFLICT otherwise). */
export function retryProblem(r: Replenishment): string | undefined {
  return r.attention === null
    ? `replenishment ${r.id} is not parked: its saga is running or done`
    : undefined;
}

/** Filters of the admins' list: open ones, those whose saga is parked, or all. */
export const REPLENISHMENT_FILTERS = ['OPEN', 'NEEDS_ATTENTION', 'ALL'] as const;
export type ReplenishmentFilter = (typeof REPLENISHMENT_FILTERS)[number];
