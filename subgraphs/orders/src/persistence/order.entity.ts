import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import type { CustomerContact, PostalAddress } from '@shop/schema';
import type { OrderLine, OrderStatus } from '../domain/order.js';
import type { PaymentStatus } from '../domain/payment.js';

/**
 * An order: lines as JSON (an order is one row and one query), the contact and address as placed.
 * Writes go through `OrderRepository`'s locked reads and plain UPDATEs; these entities only read.
 */
export const OrderEntity = defineEntity({
  name: 'OrderEntity',
  tableName: 'orders',
  properties: {
    id: p.string().length(36).primary(),
    userId: p.string().length(64).index(),
    orderNumber: p.string().length(32).nullable(),
    idempotencyKey: p.string().length(200).nullable(),
    inputFingerprint: p.string().length(64).nullable(),
    status: p.string().length(20).$type<OrderStatus>(),
    currency: p.string().length(3).default('USD'),
    subtotalCents: p.integer().default(0),
    discountCents: p.integer().default(0),
    shippingCents: p.integer().default(0),
    /** The store credit applied by the place-order saga (part of what is not charged). */
    creditCents: p.integer().default(0),
    /** The coupon code asked for at placement (upper case), or null. */
    couponCode: p.string().length(64).nullable(),
    /** The store credit asked for at placement, at most; 0 for none. */
    creditRequestedCents: p.integer().default(0),
    totalCents: p.integer(),
    lines: p.json<OrderLine[]>(),
    customer: p.json<CustomerContact>().nullable(),
    shippingAddress: p.json<PostalAddress>().nullable(),
    failureReason: p.string().length(2000).nullable(),
    needsAttention: p.string().length(2000).nullable(),
    createdAt: p.datetime(3),
    updatedAt: p.datetime(3).nullable(),
  },
});
export type OrderRecord = InferEntity<typeof OrderEntity>;

export const OrderStatusChangeEntity = defineEntity({
  name: 'OrderStatusChangeEntity',
  tableName: 'order_status_history',
  properties: {
    id: p.bigint('number').primary().autoincrement(),
    orderId: p.string().length(36),
    fromStatus: p.string().length(20).$type<OrderStatus>().nullable(),
    toStatus: p.string().length(20).$type<OrderStatus>(),
    reason: p.string().length(2000).nullable(),
    at: p.datetime(3),
  },
});
export type OrderStatusChangeRecord = InferEntity<typeof OrderStatusChangeEntity>;

export const PaymentEntity = defineEntity({
  name: 'PaymentEntity',
  tableName: 'payments',
  properties: {
    orderId: p.string().length(36).primary(),
    status: p.string().length(16).$type<PaymentStatus>(),
    amountCents: p.integer(),
    currency: p.string().length(3),
    cardToken: p.string().length(100),
    cardBrand: p.string().length(20),
    cardLast4: p.string().length(4),
    authorizationRef: p.string().length(64).nullable(),
    captureRef: p.string().length(64).nullable(),
    refundRef: p.string().length(64).nullable(),
    capturedCents: p.integer(),
    refundedCents: p.integer(),
    failureCode: p.string().length(32).nullable(),
    failureReason: p.string().length(500).nullable(),
    /** The capture run asking the provider now, and until when (`PaymentService.claimCapture`). */
    captureClaim: p.string().length(36).nullable(),
    captureClaimUntil: p.datetime(3).nullable(),
    createdAt: p.datetime(3),
    updatedAt: p.datetime(3),
  },
});
export type PaymentRecord = InferEntity<typeof PaymentEntity>;
