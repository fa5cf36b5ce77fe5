import type { EntityManager, FilterQuery } from '@mikro-orm/core';
import { sqlRows, sqlRun } from '@shop/messaging';
import type {
  Replenishment,
  ReplenishmentFilter,
  ReplenishmentStatus,
} from '../domain/replenishment.js';
import { ReplenishmentEntity, type ReplenishmentRecord } from './replenishment.entity.js';

interface ReplenishmentRow {
  id: string;
  product_id: string;
  supplier: string;
  placement_uncertain: number | string | boolean;
  status: ReplenishmentStatus;
  ordered: number | string;
  received: number | string;
  stocked: number | string;
  supplier_order_id: string | null;
  placed_at: Date | string | null;
  awaiting_saga_id: string | null;
  awaiting_step: number | string | null;
  attention: string | null;
  attention_step: string | null;
  open_product_id: string | null;
  created_at: Date | string;
  updated_at: Date | string;
}

/**
 * A DATETIME read by raw SQL: the driver hands it over as text in the connection's time zone,
 * which is UTC (`openServiceOrm`); an entity read gives a Date already.
 */
const utc = (value: Date | string): Date =>
  value instanceof Date ? value : new Date(`${value.replace(' ', 'T')}Z`);

const COLUMNS = `id, product_id, supplier, placement_uncertain, status, ordered, received, stocked, supplier_order_id,
  placed_at, awaiting_saga_id, awaiting_step, attention, attention_step, open_product_id,
  created_at, updated_at`;

const toReplenishment = (r: ReplenishmentRow): Replenishment => ({
  id: r.id,
  productId: r.product_id,
  supplier: r.supplier,
  placementUncertain: Number(r.placement_uncertain) === 1 || r.placement_uncertain === true,
  status: r.status,
  open: r.open_product_id !== null,
  ordered: Number(r.ordered),
  received: Number(r.received),
  stocked: Number(r.stocked),
  supplierOrderId: r.supplier_order_id,
  placedAt: r.placed_at === null ? null : utc(r.placed_at),
  awaiting:
    r.awaiting_saga_id === null || r.awaiting_step === null
      ? null
      : { sagaId: r.awaiting_saga_id, step: Number(r.awaiting_step) },
  attention: r.attention,
  attentionStep: r.attention_step,
  createdAt: utc(r.created_at),
  updatedAt: utc(r.updated_at),
});

const fromRecord = (r: ReplenishmentRecord): Replenishment =>
  toReplenishment({
    id: r.id,
    product_id: r.productId,
    supplier: r.supplier,
    placement_uncertain: r.placementUncertain,
    status: r.status,
    ordered: r.ordered,
    received: r.received,
    stocked: r.stocked,
    supplier_order_id: r.supplierOrderId ?? null,
    placed_at: r.placedAt ?? null,
    awaiting_saga_id: r.awaitingSagaId ?? null,
    awaiting_step: r.awaitingStep ?? null,
    attention: r.attention ?? null,
    attention_step: r.attentionStep ?? null,
    open_product_id: r.openProductId ?? null,
    created_at: r.createdAt,
    updated_at: r.updatedAt,
  });

/** One supplier delivery to record. */
export interface Receipt {
  readonly deliveryId: string;
  readonly quantity: number;
  readonly arrivedAt: Date;
}

/** An open replenishment whose supplier order may bring goods: what goods inward polls. */
export interface InwardOrder {
  readonly id: string;
  readonly productId: string;
  readonly supplier: string;
  readonly ordered: number;
  readonly supplierOrderId: string;
  readonly placedAt: Date;
}

/**
 * The SQL of replenishments and their goods receipts, on the caller's EntityManager and inside
 * its transaction. Every change is written by `write` after a `lock` of the same row in the same
 * transaction, so the values written were decided on the row's latest version under its lock.
 *
 * Lock order, everywhere: the saga participant's log row (claimed by the participant, or by
 * `lockStepExecute` of @shop/messaging), then the product's stock row, then the replenishment row.
 */
export class ReplenishmentRepository {
  /**
   * Opens a replenishment of `ordered` units for the product, from its stock row's supplier, unless
   * one is open: returns the new id, or undefined when one is open already. The caller holds the
   * product's stock row lock, which every opener and closer of the product's replenishments takes
   * first, so they take turns; the unique `open_product_id` is the database's own guarantee on top
   * of that: of two inserts for one product, the second finds the first's index entry and is
   * ignored (waiting for the first to commit or roll back if it has not yet).
   */
  async openIfNone(
    em: EntityManager,
    productId: string,
    ordered: number,
  ): Promise<string | undefined> {
    const id = crypto.randomUUID();
    const res = await sqlRun(
      em,
      `INSERT IGNORE INTO replenishment
         (id, product_id, supplier, status, ordered, open_product_id)
       SELECT ?, product_id, supplier, 'ORDERING', ?, product_id FROM stock WHERE product_id = ?`,
      [id, ordered, productId],
    );
    if (res.affectedRows === 1) return id;
    // IGNORE turns more than a duplicate key into a warning: make sure that is what happened.
    const [open] = await sqlRows<{ id: string }>(
      em,
      'SELECT id FROM replenishment WHERE open_product_id = ? LOCK IN SHARE MODE',
      [productId],
    );
    if (open === undefined)
      throw new Error(`could not open a replenishment of ${productId}: none open, none inserted`);
    return undefined;
  }

  /** The replenishment, locked until the transaction ends (its latest version). */
  async lock(em: EntityManager, id: string): Promise<Replenishment | undefined> {
    const [row] = await sqlRows<ReplenishmentRow>(
      em,
      `SELECT ${COLUMNS} FROM replenishment WHERE id = ? FOR UPDATE`,
      [id],
    );
    return row === undefined ? undefined : toReplenishment(row);
  }

  /** The replenishment as the transaction's snapshot sees it, without locking it. */
  async find(em: EntityManager, id: string): Promise<Replenishment | undefined> {
    const [row] = await sqlRows<ReplenishmentRow>(
      em,
      `SELECT ${COLUMNS} FROM replenishment WHERE id = ?`,
      [id],
    );
    return row === undefined ? undefined : toReplenishment(row);
  }

  /** Writes every changeable column of a replenishment this transaction locked. */
  async write(em: EntityManager, r: Replenishment): Promise<void> {
    await sqlRun(
      em,
      `UPDATE replenishment SET supplier = ?, placement_uncertain = ?, status = ?, received = ?, stocked = ?,
         supplier_order_id = ?, placed_at = ?, awaiting_saga_id = ?, awaiting_step = ?,
         attention = ?, attention_step = ?, open_product_id = IF(?, product_id, NULL),
         updated_at = CURRENT_TIMESTAMP(3)
       WHERE id = ?`,
      [
        r.supplier,
        r.placementUncertain,
        r.status,
        r.received,
        r.stocked,
        r.supplierOrderId,
        r.placedAt,
        r.awaiting?.sagaId ?? null,
        r.awaiting?.step ?? null,
        r.attention,
        r.attentionStep,
        r.open,
        r.id,
      ],
    );
  }

  /**
   * Records a delivery once: true when this call inserted it. Of two transactions recording the
   * same delivery (two catalog replicas polling) the second waits for the first's row, then finds
   * it and inserts nothing.
   */
  async recordReceipt(em: EntityManager, id: string, delivery: Receipt): Promise<boolean> {
    const res = await sqlRun(
      em,
      `INSERT IGNORE INTO goods_receipt (replenishment_id, delivery_id, quantity, received_at)
       VALUES (?, ?, ?, ?)`,
      [id, delivery.deliveryId, delivery.quantity, delivery.arrivedAt],
    );
    return res.affectedRows === 1;
  }

  /** Marks every receipt of the replenishment not stocked yet as stocked now. */
  async markReceiptsStocked(em: EntityManager, id: string): Promise<void> {
    await sqlRun(
      em,
      `UPDATE goods_receipt SET stocked_at = CURRENT_TIMESTAMP(3)
       WHERE replenishment_id = ? AND stocked_at IS NULL`,
      [id],
    );
  }

  /** Delivery ids already recorded for the replenishment. */
  async receivedDeliveries(em: EntityManager, id: string): Promise<Set<string>> {
    const rows = await sqlRows<{ delivery_id: string }>(
      em,
      'SELECT delivery_id FROM goods_receipt WHERE replenishment_id = ?',
      [id],
    );
    return new Set(rows.map((r) => r.delivery_id));
  }

  /**
   * Open replenishments whose supplier took the order and owes goods, the longest unpolled first
   * (never polled first of all): each round asks about the ones the last rounds reached least, so
   * orders whose goods never come cannot keep newer ones from being asked about.
   */
  async inward(em: EntityManager, limit: number): Promise<InwardOrder[]> {
    const rows = await sqlRows<{
      id: string;
      product_id: string;
      supplier: string;
      ordered: number | string;
      supplier_order_id: string;
      placed_at: Date | string;
    }>(
      em,
      `SELECT id, product_id, supplier, ordered, supplier_order_id, placed_at FROM replenishment
       WHERE open_product_id IS NOT NULL AND status IN ('ORDERED', 'PARTIALLY_RECEIVED')
         AND supplier_order_id IS NOT NULL AND placed_at IS NOT NULL AND received < ordered
       ORDER BY polled_at, created_at LIMIT ?`,
      [limit],
    );
    return rows.map((r) => ({
      id: r.id,
      productId: r.product_id,
      supplier: r.supplier,
      ordered: Number(r.ordered),
      supplierOrderId: r.supplier_order_id,
      placedAt: utc(r.placed_at),
    }));
  }

  /** Records that goods inward asked the supplier about this replenishment now (autocommit). */
  async markPolled(em: EntityManager, id: string): Promise<void> {
    await sqlRun(em, 'UPDATE replenishment SET polled_at = CURRENT_TIMESTAMP(3) WHERE id = ?', [
      id,
    ]);
  }

  /**
   * Mirrors a parked saga onto its open replenishment (the admins' NEEDS_ATTENTION); false when no
   * open replenishment has that id.
   */
  async flagAttention(
    em: EntityManager,
    id: string,
    attention: string,
    step: string,
  ): Promise<boolean> {
    const res = await sqlRun(
      em,
      // Only while open: a late event must not flag a replenishment that has closed since.
      `UPDATE replenishment SET attention = ?, attention_step = ?, updated_at = CURRENT_TIMESTAMP(3)
       WHERE id = ? AND open_product_id IS NOT NULL`,
      [attention, step, id],
    );
    return res.affectedRows === 1;
  }

  /** The admins' list, newest first. */
  async list(
    em: EntityManager,
    filter: ReplenishmentFilter,
    first: number,
    productId?: string,
  ): Promise<Replenishment[]> {
    const where: FilterQuery<ReplenishmentRecord> = {
      ...(filter === 'OPEN'
        ? { openProductId: { $ne: null } }
        : filter === 'NEEDS_ATTENTION'
          ? { attention: { $ne: null } }
          : {}),
      ...(productId === undefined ? {} : { productId }),
    };
    const rows = await em.find(ReplenishmentEntity, where, {
      orderBy: { createdAt: 'desc', id: 'asc' },
      limit: first,
      disableIdentityMap: true,
    });
    return rows.map(fromRecord);
  }
}
