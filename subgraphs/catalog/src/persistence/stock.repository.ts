import type { EntityManager } from '@mikro-orm/core';
import { sqlRows, sqlRun } from '@shop/messaging';
import type { ReservationLine, ReservationStatus } from '../domain/reservation.js';
import type { StockLevel, SuppliedStockLevel } from '../domain/stock.js';
import { StockEntity } from './stock.entity.js';

interface LevelRow {
  product_id: string;
  on_hand: number | string;
  reserved: number | string;
  low_stock_threshold: number | string;
}

const toLevel = (r: LevelRow): StockLevel => ({
  productId: r.product_id,
  onHand: Number(r.on_hand),
  reserved: Number(r.reserved),
  lowStockThreshold: Number(r.low_stock_threshold),
});

/**
 * The SQL of stock and reservations. Every method runs on the caller's EntityManager, inside its
 * transaction: the service decides what belongs together. Writes that could race are single
 * conditional UPDATEs whose WHERE clause is the rule, so the database decides under the row lock
 * and the affected-row count says who won; nothing here reads a value and writes it back.
 */
export class StockRepository {
  /** Current levels of the given products, one query; products without a stock row are absent. */
  async levels(em: EntityManager, productIds: readonly string[]): Promise<Map<string, StockLevel>> {
    if (productIds.length === 0) return new Map();
    const rows = await em.find(
      StockEntity,
      { productId: { $in: [...productIds] } },
      { disableIdentityMap: true },
    );
    return new Map(
      rows.map((r) => [
        r.productId,
        {
          productId: r.productId,
          onHand: r.onHand,
          reserved: r.reserved,
          lowStockThreshold: r.lowStockThreshold,
        },
      ]),
    );
  }

  /** The product's supplier, as the transaction's snapshot sees it; undefined without a stock row. */
  async supplierOf(em: EntityManager, productId: string): Promise<string | undefined> {
    const [row] = await sqlRows<{ supplier: string }>(
      em,
      'SELECT supplier FROM stock WHERE product_id = ?',
      [productId],
    );
    return row?.supplier;
  }

  /**
   * Levels read with `FOR UPDATE`: the latest committed values (not the transaction's snapshot),
   * locked until commit. Called for rows this transaction already changed, so it waits on nobody.
   */
  async lockedLevels(
    em: EntityManager,
    productIds: readonly string[],
  ): Promise<Map<string, StockLevel>> {
    if (productIds.length === 0) return new Map();
    const rows = await sqlRows<LevelRow>(
      em,
      `SELECT product_id, on_hand, reserved, low_stock_threshold FROM stock
       WHERE product_id IN (${productIds.map(() => '?').join(', ')}) ORDER BY product_id FOR UPDATE`,
      [...productIds],
    );
    return new Map(rows.map((r) => [r.product_id, toLevel(r)]));
  }

  /**
   * Holds `quantity` units if that many are available, atomically: the check and the increment
   * are one statement, evaluated on the row's latest version under its exclusive lock, so two
   * concurrent holds of the last unit cannot both pass (the second re-evaluates the WHERE after
   * the first commits). False: not enough available, or no stock row.
   */
  async hold(em: EntityManager, productId: string, quantity: number): Promise<boolean> {
    const res = await sqlRun(
      em,
      `UPDATE stock SET reserved = reserved + ?, updated_at = CURRENT_TIMESTAMP(3)
       WHERE product_id = ? AND on_hand - reserved >= ?`,
      [quantity, productId, quantity],
    );
    return res.affectedRows === 1;
  }

  /** Gives back held units. Throws if the row holds fewer (the reservation and stock disagree). */
  async unhold(em: EntityManager, productId: string, quantity: number): Promise<void> {
    const res = await sqlRun(
      em,
      `UPDATE stock SET reserved = reserved - ?, updated_at = CURRENT_TIMESTAMP(3)
       WHERE product_id = ? AND reserved >= ?`,
      [quantity, productId, quantity],
    );
    if (res.affectedRows !== 1)
      throw new Error(`stock ${productId} holds fewer than ${quantity} reserved units`);
  }

  /** Turns held units into a sale: they leave the shelf and the reservation at once. */
  async sell(em: EntityManager, productId: string, quantity: number): Promise<void> {
    const res = await sqlRun(
      em,
      `UPDATE stock SET on_hand = on_hand - ?, reserved = reserved - ?, updated_at = CURRENT_TIMESTAMP(3)
       WHERE product_id = ? AND reserved >= ?`,
      [quantity, quantity, productId, quantity],
    );
    if (res.affectedRows !== 1)
      throw new Error(`stock ${productId} holds fewer than ${quantity} reserved units`);
  }

  /**
   * Puts sold units back on hand (a cancelled order's stock returns to the shelf). Throws if the
   * product has no stock row: units were sold from it, so it cannot be missing.
   */
  async restock(em: EntityManager, productId: string, quantity: number): Promise<void> {
    const res = await sqlRun(
      em,
      `UPDATE stock SET on_hand = on_hand + ?, updated_at = CURRENT_TIMESTAMP(3) WHERE product_id = ?`,
      [quantity, productId],
    );
    if (res.affectedRows !== 1) throw new Error(`stock ${productId} missing; cannot restock it`);
  }

  /**
   * Locks one product's stock row for an admin change, creating an empty one if missing.
   * `INSERT … ON DUPLICATE KEY UPDATE` takes the row's exclusive lock in one step whether the row
   * exists or not; a locking read of a missing row would take a gap lock instead, and two such
   * transactions then deadlock on their inserts.
   */
  async lockForAdjustment(em: EntityManager, productId: string): Promise<SuppliedStockLevel> {
    await sqlRun(
      em,
      `INSERT INTO stock (product_id, on_hand, reserved, low_stock_threshold) VALUES (?, 0, 0, 0)
       ON DUPLICATE KEY UPDATE product_id = product_id`,
      [productId],
    );
    // Already locked by the upsert: this read waits on nobody and sees the latest version.
    const [row] = await sqlRows<LevelRow & { supplier: string }>(
      em,
      `SELECT product_id, on_hand, reserved, low_stock_threshold, supplier FROM stock
       WHERE product_id = ? FOR UPDATE`,
      [productId],
    );
    if (row === undefined) throw new Error(`stock row ${productId} missing after its upsert`);
    return { ...toLevel(row), supplier: row.supplier };
  }

  /**
   * Writes an admin's new on-hand figure, threshold and supplier (or goods stocked from a
   * replenishment); the row is locked by this transaction.
   */
  async writeAdjustment(em: EntityManager, level: StockLevel | SuppliedStockLevel): Promise<void> {
    const supplier = 'supplier' in level ? level.supplier : null;
    await sqlRun(
      em,
      `UPDATE stock SET on_hand = ?, low_stock_threshold = ?, supplier = COALESCE(?, supplier),
         updated_at = CURRENT_TIMESTAMP(3)
       WHERE product_id = ?`,
      [level.onHand, level.lowStockThreshold, supplier, level.productId],
    );
  }

  /**
   * Creates the order's reservation row in `status`, or returns false when the order has one.
   * A duplicate insert waits for an uncommitted row of the same order, so of two concurrent
   * reserves of one order exactly one creates it; the other then reads what it became.
   */
  async createReservation(
    em: EntityManager,
    orderId: string,
    status: ReservationStatus,
  ): Promise<boolean> {
    const res = await sqlRun(
      em,
      'INSERT IGNORE INTO stock_reservation (order_id, status) VALUES (?, ?)',
      [orderId, status],
    );
    return res.affectedRows === 1;
  }

  /**
   * Locks the order's reservation row, creating it in `statusIfNew` when missing. Like
   * `lockForAdjustment`, `INSERT … ON DUPLICATE KEY UPDATE` takes the row's exclusive lock in one
   * step either way; an UPDATE or locking read of a missing row takes a gap lock instead, and two
   * transactions that then insert the row deadlock (two releases of an order never reserved).
   */
  async lockReservation(
    em: EntityManager,
    orderId: string,
    statusIfNew: ReservationStatus,
  ): Promise<void> {
    await sqlRun(
      em,
      `INSERT INTO stock_reservation (order_id, status) VALUES (?, ?)
       ON DUPLICATE KEY UPDATE order_id = order_id`,
      [orderId, statusIfNew],
    );
  }

  async addLines(
    em: EntityManager,
    orderId: string,
    lines: readonly ReservationLine[],
  ): Promise<void> {
    await sqlRun(
      em,
      `INSERT INTO stock_reservation_line (order_id, product_id, quantity) VALUES ${lines
        .map(() => '(?, ?, ?)')
        .join(', ')}`,
      lines.flatMap((l) => [orderId, l.productId, l.quantity]),
    );
  }

  /**
   * Moves the order's reservation from `from` to `to`; true when this call made the move. The
   * conditional UPDATE is the claim: of two concurrent releases (or a release and a commit) one
   * moves the row, the other waits for its lock, then finds the status changed and moves nothing.
   */
  async transition(
    em: EntityManager,
    orderId: string,
    from: ReservationStatus,
    to: ReservationStatus,
  ): Promise<boolean> {
    const res = await sqlRun(
      em,
      `UPDATE stock_reservation SET status = ?, updated_at = CURRENT_TIMESTAMP(3)
       WHERE order_id = ? AND status = ?`,
      [to, orderId, from],
    );
    return res.affectedRows === 1;
  }

  /**
   * The order's reservation as committed now (a shared-lock read, not the transaction's snapshot,
   * which may predate a reserve that committed since), with its lines in product-id order.
   */
  async reservation(
    em: EntityManager,
    orderId: string,
  ): Promise<{ status: ReservationStatus; lines: ReservationLine[] } | undefined> {
    const [row] = await sqlRows<{ status: ReservationStatus }>(
      em,
      'SELECT status FROM stock_reservation WHERE order_id = ? LOCK IN SHARE MODE',
      [orderId],
    );
    if (row === undefined) return undefined;
    return { status: row.status, lines: await this.lines(em, orderId) };
  }

  /** The order's lines in product-id order (the lock order of every multi-row change). */
  async lines(em: EntityManager, orderId: string): Promise<ReservationLine[]> {
    const rows = await sqlRows<{ product_id: string; quantity: number | string }>(
      em,
      `SELECT product_id, quantity FROM stock_reservation_line WHERE order_id = ?
       ORDER BY product_id LOCK IN SHARE MODE`,
      [orderId],
    );
    return rows.map((r) => ({ productId: r.product_id, quantity: Number(r.quantity) }));
  }
}
