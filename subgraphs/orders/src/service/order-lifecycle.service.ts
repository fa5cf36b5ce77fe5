import type { EntityManager } from '@mikro-orm/core';
import { assertNever } from '@shop/platform';
import type { OrderFailedV2 } from '@shop/schema';
import { transition, type OrderEvent, type Transition } from '../domain/order-status.js';
import type { OrderRecord } from '../persistence/order.entity.js';
import type { OrderRepository } from '../persistence/order.repository.js';
import type { OrderEventWriter } from './order-events.js';

/** What one event did to an order; `missing` when there is no such order. */
export type LifecycleResult =
  (Transition & { readonly order: OrderRecord }) | { readonly kind: 'missing' };

/** What an event carries besides the order id. */
export type LifecycleDetail =
  | { readonly event: 'confirm' | 'ship' | 'deliver' }
  | { readonly event: 'fail'; readonly reason: string; readonly undone: OrderFailedV2['undone'] }
  | { readonly event: 'request-cancel'; readonly reason?: string }
  | { readonly event: 'complete-cancel' };

/**
 * Applies lifecycle events to orders, inside the caller's transaction: lock the order row, ask
 * the pure state machine (`transition`), and on a move write the status, its history row and the
 * event it announces through the outbox, together. The row lock is what makes concurrent events
 * of one order (twenty cancel requests, a redelivered confirm) apply once: the second waits for the
 * first to commit, then reads the new status and gets `noop`.
 */
export class OrderLifecycle {
  constructor(
    private readonly repo: OrderRepository,
    private readonly events: OrderEventWriter,
  ) {}

  /** The order, locked until the transaction ends (a read-only step checks it). */
  current(em: EntityManager, orderId: string): Promise<OrderRecord | null> {
    return this.repo.lock(em, orderId);
  }

  async apply(
    em: EntityManager,
    orderId: string,
    detail: LifecycleDetail,
  ): Promise<LifecycleResult> {
    const order = await this.repo.lock(em, orderId);
    if (order === null) return { kind: 'missing' };
    const verdict = transition(order.status, detail.event);
    if (verdict.kind !== 'move') return { ...verdict, order };
    const reason = 'reason' in detail ? (detail.reason ?? null) : null;
    await this.repo.move(
      em,
      order.id,
      verdict.from,
      verdict.to,
      reason,
      detail.event === 'fail' ? detail.reason : undefined,
    );
    const moved: OrderRecord = {
      ...order,
      status: verdict.to,
      ...(detail.event === 'fail' ? { failureReason: detail.reason } : {}),
    };
    await this.announce(em, moved, detail);
    return { ...verdict, order: moved };
  }

  private async announce(em: EntityManager, order: OrderRecord, detail: LifecycleDetail) {
    switch (detail.event) {
      case 'confirm':
        return this.events.confirmed(em, order);
      case 'fail':
        return this.events.failed(
          em,
          order,
          detail.reason,
          detail.undone,
          await this.refundedCents(em, order.id),
        );
      case 'request-cancel':
        return this.events.cancelRequested(em, order, detail.reason);
      case 'complete-cancel':
        return this.events.cancelled(em, order, await this.refundedCents(em, order.id));
      case 'ship':
      case 'deliver':
        // Delivery's own shipment events tell these; the order only records them.
        return;
      default:
        return assertNever(detail);
    }
  }

  private async refundedCents(em: EntityManager, orderId: string): Promise<number> {
    return (await this.repo.lockPayment(em, orderId))?.refundedCents ?? 0;
  }
}

export type { OrderEvent };
