import type { EntityManager } from '@mikro-orm/core';
import type { Outbox } from '@shop/messaging';
import {
  orderCancelledV1,
  orderCancelledV2,
  orderCancelRequestedV1,
  orderConfirmedV1,
  orderConfirmedV2,
  orderFailedV1,
  orderFailedV2,
  orderPlacedV1,
  orderPlacedV2,
  type CustomerContact,
  type OrderFailedV2,
  type PostalAddress,
} from '@shop/schema';
import type { OrderRecord } from '../persistence/order.entity.js';

/** An order as the events need it: placed through `placeOrder`, so it has its snapshots. */
interface PlacedOrder {
  readonly id: string;
  readonly userId: string;
  readonly orderNumber: string;
  readonly customer: CustomerContact;
  readonly shippingAddress: PostalAddress;
}

function placed(order: OrderRecord): PlacedOrder {
  if (order.orderNumber == null || order.customer == null || order.shippingAddress == null)
    throw new Error(`order ${order.id} was not placed through placeOrder`);
  return {
    id: order.id,
    userId: order.userId,
    orderNumber: order.orderNumber,
    customer: order.customer,
    shippingAddress: order.shippingAddress,
  };
}

const lineOf = (l: OrderRecord['lines'][number]) => ({
  productId: l.productId,
  title: l.title ?? l.productId,
  quantity: l.quantity,
  unitPriceCents: l.unitPriceCents,
});

/**
 * Orders' events, written to the outbox inside the transaction of the change they announce (so
 * nothing is published for a rolled-back change and nothing committed is lost). Each event that
 * has a v2 is written as v1 and v2 until v1's consumers move (STYLE 10); all are keyed by the
 * order id on `orders.events`, so one order's events stay in order.
 */
export class OrderEventWriter {
  constructor(
    private readonly outbox: Outbox,
    private readonly topic: string,
  ) {}

  async placed(em: EntityManager, order: OrderRecord): Promise<void> {
    const o = placed(order);
    await this.outbox.add(em, orderPlacedV1, {
      topic: this.topic,
      key: o.id,
      data: {
        orderId: o.id,
        userId: o.userId,
        lines: order.lines.map((l) => ({
          productId: l.productId,
          quantity: l.quantity,
          unitPriceCents: l.unitPriceCents,
        })),
        totalCents: order.totalCents,
        currency: order.currency,
      },
    });
    await this.outbox.add(em, orderPlacedV2, {
      topic: this.topic,
      key: o.id,
      data: {
        ...summaryOf(order, o),
        ...(order.couponCode == null ? {} : { couponCode: order.couponCode }),
        ...(order.creditRequestedCents > 0
          ? { creditRequestedCents: order.creditRequestedCents }
          : {}),
      },
    });
  }

  async confirmed(em: EntityManager, order: OrderRecord): Promise<void> {
    const o = placed(order);
    await this.outbox.add(em, orderConfirmedV1, {
      topic: this.topic,
      key: o.id,
      data: { orderId: o.id, userId: o.userId },
    });
    await this.outbox.add(em, orderConfirmedV2, {
      topic: this.topic,
      key: o.id,
      data: { ...summaryOf(order, o), creditCents: order.creditCents },
    });
  }

  async failed(
    em: EntityManager,
    order: OrderRecord,
    reason: string,
    undone: OrderFailedV2['undone'],
    refundedCents: number,
  ): Promise<void> {
    const o = placed(order);
    await this.outbox.add(em, orderFailedV1, {
      topic: this.topic,
      key: o.id,
      data: { orderId: o.id, userId: o.userId, reason },
    });
    await this.outbox.add(em, orderFailedV2, {
      topic: this.topic,
      key: o.id,
      data: {
        orderId: o.id,
        orderNumber: o.orderNumber,
        customer: o.customer,
        reason: reason.slice(0, 500),
        undone,
        currency: order.currency,
        refundedCents,
      },
    });
  }

  async cancelRequested(em: EntityManager, order: OrderRecord, reason?: string): Promise<void> {
    await this.outbox.add(em, orderCancelRequestedV1, {
      topic: this.topic,
      key: order.id,
      data: {
        orderId: order.id,
        userId: order.userId,
        ...(reason === undefined ? {} : { reason }),
      },
    });
  }

  async cancelled(em: EntityManager, order: OrderRecord, refundedCents: number): Promise<void> {
    const o = placed(order);
    await this.outbox.add(em, orderCancelledV1, {
      topic: this.topic,
      key: o.id,
      data: { orderId: o.id, userId: o.userId, refundedCents },
    });
    await this.outbox.add(em, orderCancelledV2, {
      topic: this.topic,
      key: o.id,
      data: {
        orderId: o.id,
        orderNumber: o.orderNumber,
        customer: o.customer,
        currency: order.currency,
        refundedCents,
      },
    });
  }
}

/**
 * What order-placed v2 and order-confirmed v2 both carry: the order as the customer sees it. Their
 * `discountCents` is everything not charged, coupon and store credit together, so that their
 * `totalCents = subtotalCents - discountCents + shippingCents` holds (confirmed v2 also names the
 * credit part); at placement both are still 0.
 */
function summaryOf(order: OrderRecord, o: ReturnType<typeof placed>) {
  return {
    orderId: o.id,
    orderNumber: o.orderNumber,
    customer: o.customer,
    currency: order.currency,
    lines: order.lines.map(lineOf),
    subtotalCents: order.subtotalCents,
    discountCents: order.discountCents + order.creditCents,
    shippingCents: order.shippingCents,
    totalCents: order.totalCents,
    shippingAddress: o.shippingAddress,
  };
}
