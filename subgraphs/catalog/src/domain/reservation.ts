import type { FieldProblem } from '@shop/platform';
import { PRODUCT_ID_PATTERN } from './stock.js';

/** Units of one product an order holds. */
export interface ReservationLine {
  readonly productId: string;
  readonly quantity: number;
}

/**
 * `held`: the units are set aside (reserved); `committed`: they were sold (left on-hand stock);
 * `released`: given back, or never held (a release that came first leaves this marker, so a late
 * reserve for the same order is refused instead of holding stock nobody will release).
 */
export type ReservationStatus = 'held' | 'committed' | 'released';

export const MAX_RESERVATION_LINES = 100;
export const MAX_LINE_QUANTITY = 1_000_000;
export const ORDER_ID_PATTERN = /^[A-Za-z0-9._:-]{1,64}$/;

/** A line that could not be held: how many were asked for and how many were there. */
export interface Shortage {
  readonly productId: string;
  readonly wanted: number;
  readonly available: number;
}

export type ReserveOutcome =
  | {
      readonly outcome: 'reserved';
      readonly lines: readonly ReservationLine[];
      readonly units: number;
      /** The order already held exactly these lines: nothing changed. */
      readonly repeated: boolean;
    }
  | {
      readonly outcome: 'refused';
      readonly reason: string;
      readonly shortages: readonly Shortage[];
    };

export type SettleOutcome =
  | { readonly outcome: 'done'; readonly units: number }
  | { readonly outcome: 'refused'; readonly reason: string };

export type NormalizedLines =
  | { readonly ok: true; readonly lines: readonly ReservationLine[] }
  | { readonly ok: false; readonly problems: readonly FieldProblem[] };

/**
 * Validates an order id and its lines, merges lines of the same product and sorts them by product
 * id: every transaction that touches several stock rows touches them in this one order, so two
 * of them never wait on each other's rows in a cycle (no deadlock).
 */
export function normalizeReservation(
  orderId: string,
  lines: readonly ReservationLine[],
): NormalizedLines {
  const problems: FieldProblem[] = [];
  if (!ORDER_ID_PATTERN.test(orderId))
    problems.push({ field: 'orderId', message: 'must be 1-64 letters, digits, . _ : or -' });
  if (lines.length === 0 || lines.length > MAX_RESERVATION_LINES)
    problems.push({ field: 'lines', message: `must hold 1 to ${MAX_RESERVATION_LINES} lines` });
  const merged = new Map<string, number>();
  lines.forEach((line, i) => {
    if (!PRODUCT_ID_PATTERN.test(line.productId))
      problems.push({
        field: `lines[${i}].productId`,
        message: 'must be 1-64 letters, digits, . _ or -',
      });
    if (!Number.isInteger(line.quantity) || line.quantity < 1 || line.quantity > MAX_LINE_QUANTITY)
      problems.push({
        field: `lines[${i}].quantity`,
        message: `must be a whole number from 1 to ${MAX_LINE_QUANTITY}`,
      });
    merged.set(line.productId, (merged.get(line.productId) ?? 0) + line.quantity);
  });
  for (const [productId, quantity] of merged)
    if (quantity > MAX_LINE_QUANTITY)
      problems.push({
        field: 'lines',
        message: `${productId}: at most ${MAX_LINE_QUANTITY} units per product`,
      });
  if (problems.length > 0) return { ok: false, problems };
  return {
    ok: true,
    lines: [...merged]
      .map(([productId, quantity]) => ({ productId, quantity }))
      .sort((a, b) => (a.productId < b.productId ? -1 : a.productId > b.productId ? 1 : 0)),
  };
}

export const unitsOf = (lines: readonly ReservationLine[]): number =>
  lines.reduce((sum, l) => sum + l.quantity, 0);

const sameLines = (a: readonly ReservationLine[], b: readonly ReservationLine[]): boolean =>
  a.length === b.length &&
  a.every((l, i) => l.productId === b[i]?.productId && l.quantity === b[i]?.quantity);

/** The refusal naming every short line: `out of stock: p-1 wants 3, 1 available; p-2 …`. */
export function shortageReason(shortages: readonly Shortage[]): string {
  return `out of stock: ${shortages
    .map((s) => `${s.productId} wants ${s.wanted}, ${Math.max(0, s.available)} available`)
    .join('; ')}`;
}

/**
 * A reserve for an order that already has a reservation (both line lists normalized). Reserving
 * is idempotent by order id: the same lines again change nothing; other lines, or a reservation
 * that was released, are refused (an order id reserves once).
 */
export function judgeRepeatReserve(
  orderId: string,
  existing: { readonly status: ReservationStatus; readonly lines: readonly ReservationLine[] },
  requested: readonly ReservationLine[],
): ReserveOutcome {
  if (existing.status === 'released')
    return {
      outcome: 'refused',
      reason: `the reservation of order ${orderId} was released`,
      shortages: [],
    };
  if (!sameLines(existing.lines, requested))
    return {
      outcome: 'refused',
      reason: `order ${orderId} already holds a different reservation`,
      shortages: [],
    };
  return {
    outcome: 'reserved',
    lines: existing.lines,
    units: unitsOf(existing.lines),
    repeated: true,
  };
}

/** What a settling command (release or commit) does with a reservation it could not move. */
export type SettleVerdict =
  | { readonly kind: 'done' }
  | { readonly kind: 'retry' }
  | { readonly kind: 'refused'; readonly reason: string };

/**
 * A release whose `held → released` update changed nothing, by the status of the order's existing
 * row (a missing one gets a `released` marker first, so a later reserve of the order is refused).
 */
export function judgeRelease(orderId: string, status: ReservationStatus): SettleVerdict {
  switch (status) {
    case 'released':
      return { kind: 'done' };
    case 'committed':
      return {
        kind: 'refused',
        reason: `the stock of order ${orderId} was already sold (committed)`,
      };
    case 'held':
      // Reserved by a transaction that committed after our update looked: move it now.
      return { kind: 'retry' };
  }
}

/** A commit whose `held → committed` update changed nothing, by what the order's row says now. */
export function judgeCommit(orderId: string, status: ReservationStatus | undefined): SettleVerdict {
  switch (status) {
    case undefined:
      return { kind: 'refused', reason: `order ${orderId} holds no reservation` };
    case 'committed':
      return { kind: 'done' };
    case 'released':
      return { kind: 'refused', reason: `the reservation of order ${orderId} was released` };
    case 'held':
      return { kind: 'retry' };
  }
}
