import type { EntityManager } from '@mikro-orm/core';
import { applyDeductions, type DeductedTotals } from '../domain/deductions.js';
import type { OrderRepository } from '../persistence/order.repository.js';

export type DeductionOutcome =
  | { readonly ok: true; readonly totals: DeductedTotals }
  | { readonly ok: false; readonly reason: string };

/**
 * The place-order saga's pricing step: applies the redeemed coupon's discount and the store credit
 * the customer asked for to a PENDING order, inside the participant's transaction, with the order
 * row locked. Recomputed from the order's own subtotal and request each time, so a resend or a
 * second saga of the order writes the same figures.
 */
export class OrderDeductions {
  constructor(private readonly repo: OrderRepository) {}

  async applyWithin(
    em: EntityManager,
    orderId: string,
    discountCents: number,
  ): Promise<DeductionOutcome> {
    const order = await this.repo.lock(em, orderId);
    if (order === null) return { ok: false, reason: `no order ${orderId}` };
    if (order.status !== 'PENDING')
      return { ok: false, reason: `the order is ${order.status}, not PENDING` };
    const totals = applyDeductions({
      subtotalCents: order.subtotalCents,
      shippingCents: order.shippingCents,
      offeredDiscountCents: discountCents,
      creditRequestedCents: order.creditRequestedCents,
    });
    await this.repo.setDeductions(em, orderId, totals);
    return { ok: true, totals };
  }

  /** Back to the undiscounted total (the coupon and credit were given back); no-op unless PENDING. */
  async removeWithin(em: EntityManager, orderId: string): Promise<void> {
    const order = await this.repo.lock(em, orderId);
    if (order === null || order.status !== 'PENDING') return;
    await this.repo.setDeductions(
      em,
      orderId,
      applyDeductions({
        subtotalCents: order.subtotalCents,
        shippingCents: order.shippingCents,
        offeredDiscountCents: 0,
        creditRequestedCents: 0,
      }),
    );
  }

  /**
   * Whether the order's payment never had anything to charge: coupon and credit covered it all,
   * so the saga skipped the capture and nothing was asked of the provider (nor may be refunded).
   */
  async nothingToCharge(em: EntityManager, orderId: string): Promise<boolean> {
    // Read in the caller's transaction (the participant's), on its connection: `paymentsOf` reads
    // through a fork, which takes a second pooled connection, and a pool's worth of commands each
    // holding one and waiting for another deadlocked the orders participant (100-customer test).
    const payment = await this.repo.lockPayment(em, orderId);
    return payment !== null && payment.status === 'PENDING' && payment.amountCents === 0;
  }
}
