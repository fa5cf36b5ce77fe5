import { LockMode, UniqueConstraintViolationException, type EntityManager } from '@mikro-orm/core';
import { sqlRun } from '@shop/messaging';
import type { CustomerContact, PostalAddress } from '@shop/schema';
import type { DeductedTotals, DeductionRequest } from '../domain/deductions.js';
import type { OrderLine, OrderStatus, OrderTotals } from '../domain/order.js';
import type { PaymentStatus } from '../domain/payment.js';
import {
  OrderEntity,
  OrderStatusChangeEntity,
  PaymentEntity,
  type OrderRecord,
  type OrderStatusChangeRecord,
  type PaymentRecord,
} from './order.entity.js';

/** A unique key refused the write (raw SQL surfaces the driver's error, not MikroORM's). */
export const isDuplicateKey = (err: unknown): boolean =>
  err instanceof UniqueConstraintViolationException ||
  (err as { errno?: unknown } | null)?.errno === 1062;

export interface NewOrder {
  readonly id: string;
  readonly userId: string;
  readonly orderNumber: string;
  readonly idempotencyKey: string;
  readonly inputFingerprint: string;
  readonly currency: string;
  readonly totals: OrderTotals;
  readonly deductions: DeductionRequest;
  readonly lines: readonly OrderLine[];
  readonly customer: CustomerContact;
  readonly shippingAddress: PostalAddress;
}

export interface NewPayment {
  readonly orderId: string;
  readonly amountCents: number;
  readonly currency: string;
  readonly cardToken: string;
  readonly cardBrand: string;
  readonly cardLast4: string;
}

/** What a payment step changes; unnamed columns stay as they are. */
export interface PaymentChange {
  readonly status: PaymentStatus;
  readonly authorizationRef?: string | null;
  readonly captureRef?: string | null;
  readonly refundRef?: string | null;
  readonly capturedCents?: number;
  readonly refundedCents?: number;
  readonly failureCode?: string | null;
  readonly failureReason?: string | null;
}

const columnOf: Record<Exclude<keyof PaymentChange, 'status'>, string> = {
  authorizationRef: 'authorization_ref',
  captureRef: 'capture_ref',
  refundRef: 'refund_ref',
  capturedCents: 'captured_cents',
  refundedCents: 'refunded_cents',
  failureCode: 'failure_code',
  failureReason: 'failure_reason',
};

/**
 * Orders' writes, always inside the caller's transaction: a state change is a locked read of the
 * order row (`lock`), a verdict of the pure state machine, then `move`, which writes the status
 * and its history row. Reads for GraphQL go through the entities on their own forks.
 */
export class OrderRepository {
  async insert(em: EntityManager, o: NewOrder): Promise<void> {
    await sqlRun(
      em,
      `INSERT INTO orders (id, user_id, order_number, idempotency_key, input_fingerprint, status,
         currency, subtotal_cents, discount_cents, shipping_cents, credit_cents, total_cents,
         coupon_code, credit_requested_cents, \`lines\`, customer, shipping_address, created_at,
         updated_at)
       VALUES (?, ?, ?, ?, ?, 'PENDING', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?,
         CURRENT_TIMESTAMP(3), CURRENT_TIMESTAMP(3))`,
      [
        o.id,
        o.userId,
        o.orderNumber,
        o.idempotencyKey,
        o.inputFingerprint,
        o.currency,
        o.totals.subtotalCents,
        o.totals.discountCents,
        o.totals.shippingCents,
        o.totals.creditCents,
        o.totals.totalCents,
        o.deductions.couponCode ?? null,
        o.deductions.creditRequestedCents,
        JSON.stringify(o.lines),
        JSON.stringify(o.customer),
        JSON.stringify(o.shippingAddress),
      ],
    );
    await this.history(em, o.id, null, 'PENDING', null);
  }

  async insertPayment(em: EntityManager, p: NewPayment): Promise<void> {
    await sqlRun(
      em,
      `INSERT INTO payments (order_id, status, amount_cents, currency, card_token, card_brand,
         card_last4) VALUES (?, 'PENDING', ?, ?, ?, ?, ?)`,
      [p.orderId, p.amountCents, p.currency, p.cardToken, p.cardBrand, p.cardLast4],
    );
  }

  byKey(em: EntityManager, userId: string, idempotencyKey: string): Promise<OrderRecord | null> {
    return em.fork().findOne(OrderEntity, { userId, idempotencyKey });
  }

  /** Reads the order and locks its row until the transaction ends (every change goes through here). */
  lock(em: EntityManager, id: string): Promise<OrderRecord | null> {
    return em.findOne(
      OrderEntity,
      { id },
      { lockMode: LockMode.PESSIMISTIC_WRITE, refresh: true, disableIdentityMap: true },
    );
  }

  /**
   * Moves a locked order from `from` to `to` and records the change in its history. A move means
   * its saga went on, so a needs-attention flag a parked saga left is cleared.
   */
  async move(
    em: EntityManager,
    id: string,
    from: OrderStatus,
    to: OrderStatus,
    reason: string | null,
    failureReason?: string,
  ): Promise<void> {
    const { affectedRows } = await sqlRun(
      em,
      `UPDATE orders SET status = ?, failure_reason = COALESCE(?, failure_reason),
         needs_attention = NULL, updated_at = CURRENT_TIMESTAMP(3) WHERE id = ? AND status = ?`,
      [to, failureReason ?? null, id, from],
    );
    // The row is locked and was read at `from`: anything else is a bug, not a race.
    if (affectedRows !== 1) throw new Error(`order ${id} was not ${from}`);
    await this.history(em, id, from, to, reason);
  }

  /**
   * Writes a locked PENDING order's discount, credit and total, and the amount its payment step
   * will capture (only while nothing was asked of the provider: a PENDING payment row).
   */
  async setDeductions(em: EntityManager, id: string, t: DeductedTotals): Promise<void> {
    await sqlRun(
      em,
      `UPDATE orders SET discount_cents = ?, credit_cents = ?, total_cents = ?,
         updated_at = CURRENT_TIMESTAMP(3) WHERE id = ? AND status = 'PENDING'`,
      [t.discountCents, t.creditCents, t.totalCents, id],
    );
    await sqlRun(
      em,
      `UPDATE payments SET amount_cents = ?, updated_at = CURRENT_TIMESTAMP(3)
         WHERE order_id = ? AND status = 'PENDING'`,
      [t.totalCents, id],
    );
  }

  /** Sets (or clears, with null) the order's needs-attention note for the admins. */
  async flagAttention(em: EntityManager, id: string, note: string | null): Promise<boolean> {
    const { affectedRows } = await sqlRun(
      em,
      'UPDATE orders SET needs_attention = ?, updated_at = CURRENT_TIMESTAMP(3) WHERE id = ?',
      [note, id],
    );
    return affectedRows === 1;
  }

  /**
   * Takes the capture's claim for `leaseMs` when the payment is PENDING and nobody else holds an
   * unexpired one (database clock): true when taken.
   */
  async claimCapture(
    em: EntityManager,
    orderId: string,
    claim: string,
    leaseMs: number,
  ): Promise<boolean> {
    const { affectedRows } = await sqlRun(
      em,
      `UPDATE payments
         SET capture_claim = ?,
             capture_claim_until = CURRENT_TIMESTAMP(3) + INTERVAL ? MICROSECOND
       WHERE order_id = ? AND status = 'PENDING'
         AND (capture_claim_until IS NULL OR capture_claim_until < CURRENT_TIMESTAMP(3))`,
      [claim, Math.round(leaseMs * 1000), orderId],
    );
    return affectedRows === 1;
  }

  /** Renews a capture's claim for `leaseMs` if it is still this one and unexpired: true if so. */
  async renewCapture(
    em: EntityManager,
    orderId: string,
    claim: string,
    leaseMs: number,
  ): Promise<boolean> {
    const { affectedRows } = await sqlRun(
      em,
      `UPDATE payments
         SET capture_claim_until = CURRENT_TIMESTAMP(3) + INTERVAL ? MICROSECOND
       WHERE order_id = ? AND status = 'PENDING' AND capture_claim = ?
         AND capture_claim_until >= CURRENT_TIMESTAMP(3)`,
      [Math.round(leaseMs * 1000), orderId, claim],
    );
    return affectedRows === 1;
  }

  /** Gives a capture's claim back (only if it is still this one). */
  async releaseCapture(em: EntityManager, orderId: string, claim: string): Promise<void> {
    await sqlRun(
      em,
      `UPDATE payments SET capture_claim = NULL, capture_claim_until = NULL
       WHERE order_id = ? AND capture_claim = ?`,
      [orderId, claim],
    );
  }

  /** The order's payment row as it is now (no lock). */
  payment(em: EntityManager, orderId: string): Promise<PaymentRecord | null> {
    return em.findOne(PaymentEntity, { orderId }, { refresh: true, disableIdentityMap: true });
  }

  lockPayment(em: EntityManager, orderId: string): Promise<PaymentRecord | null> {
    return em.findOne(
      PaymentEntity,
      { orderId },
      { lockMode: LockMode.PESSIMISTIC_WRITE, refresh: true, disableIdentityMap: true },
    );
  }

  /** Writes a payment's new status; a capture's claim ends with it (a settled row needs none). */
  async updatePayment(em: EntityManager, orderId: string, change: PaymentChange): Promise<void> {
    const sets = [
      'status = ?',
      'updated_at = CURRENT_TIMESTAMP(3)',
      'capture_claim = NULL',
      'capture_claim_until = NULL',
    ];
    const params: unknown[] = [change.status];
    for (const [key, column] of Object.entries(columnOf)) {
      const value = change[key as keyof typeof columnOf];
      if (value === undefined) continue;
      sets.push(`${column} = ?`);
      params.push(value);
    }
    await sqlRun(em, `UPDATE payments SET ${sets.join(', ')} WHERE order_id = ?`, [
      ...params,
      orderId,
    ]);
  }

  private async history(
    em: EntityManager,
    orderId: string,
    from: OrderStatus | null,
    to: OrderStatus,
    reason: string | null,
  ): Promise<void> {
    await sqlRun(
      em,
      'INSERT INTO order_status_history (order_id, from_status, to_status, reason) VALUES (?, ?, ?, ?)',
      [orderId, from, to, reason],
    );
  }

  // Reads (each on its own fork: one query for any number of keys).

  async byIds(em: EntityManager, ids: readonly string[]): Promise<Map<string, OrderRecord>> {
    const orders = await em.fork().find(OrderEntity, { id: { $in: [...ids] } });
    return new Map(orders.map((o) => [o.id, o]));
  }

  async historyOf(
    em: EntityManager,
    orderIds: readonly string[],
  ): Promise<Map<string, OrderStatusChangeRecord[]>> {
    const rows = await em
      .fork()
      .find(
        OrderStatusChangeEntity,
        { orderId: { $in: [...orderIds] } },
        { orderBy: { id: 'asc' } },
      );
    const byOrder = new Map<string, OrderStatusChangeRecord[]>(orderIds.map((id) => [id, []]));
    for (const r of rows) byOrder.get(r.orderId)?.push(r);
    return byOrder;
  }

  async paymentsOf(
    em: EntityManager,
    orderIds: readonly string[],
  ): Promise<Map<string, PaymentRecord>> {
    const rows = await em.fork().find(PaymentEntity, { orderId: { $in: [...orderIds] } });
    return new Map(rows.map((r) => [r.orderId, r]));
  }
}
