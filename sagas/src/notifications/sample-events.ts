import {
  createEnvelope,
  orderCancelledV2,
  orderConfirmedV2,
  orderFailedV2,
  sagaParkedV1,
  shipmentChangedV1,
  userRegisteredV1,
  type Envelope,
} from '@shop/schema';
import type { TemplateName } from './notification-plan.js';

/** Which of the worker's topics an event belongs on. */
export type SourceTopic = 'orders' | 'delivery' | 'users' | 'sagas';

export interface SampleEvent {
  readonly topic: SourceTopic;
  readonly envelope: Envelope;
}

/** What a caller may pin; everything else gets plausible sample values. */
export interface SampleOverrides {
  readonly eventId?: string;
  readonly userId?: string;
  readonly email?: string;
  readonly name?: string;
  readonly orderId?: string;
  readonly orderNumber?: string;
  readonly currency?: string;
  /** A parked saga's id, type and step. */
  readonly sagaId?: string;
  readonly sagaType?: string;
  readonly stepName?: string;
  /** A parked saga's aggregate (a replenishment id); null for none. */
  readonly subject?: string | null;
  readonly reason?: string;
}

/**
 * Typed builders of one valid event per email (the preview command, the tests and the benchmark
 * use them), each built with the contract's own `createEnvelope`, so they are what a producer
 * would publish.
 */
export const SAMPLE_EVENTS: Record<TemplateName, (o?: SampleOverrides) => SampleEvent> = {
  'order-confirmed': (o = {}) => {
    const orderId = o.orderId ?? 'ord_01HSAMPLE';
    return {
      topic: 'orders',
      envelope: createEnvelope(orderConfirmedV2, {
        id: o.eventId,
        key: orderId,
        source: 'orders',
        data: {
          orderId,
          orderNumber: o.orderNumber ?? 'SO-100042',
          customer: customer(o),
          currency: o.currency ?? 'USD',
          lines: [
            { productId: 'p-1', title: 'Ergonomic Desk Chair', quantity: 1, unitPriceCents: 24999 },
            {
              productId: 'p-2',
              title: 'Ballpoint Pens, 12-pack',
              quantity: 3,
              unitPriceCents: 499,
            },
          ],
          subtotalCents: 26496,
          discountCents: 1000,
          shippingCents: 599,
          totalCents: 26095,
          shippingAddress: {
            name: o.name ?? 'Ada Lovelace',
            line1: '12 Analytical Way',
            line2: 'Apt 3',
            city: 'Springfield',
            region: 'IL',
            postalCode: '62701',
            country: 'US',
          },
        },
      }),
    };
  },
  'order-failed': (o = {}) => {
    const orderId = o.orderId ?? 'ord_01HSAMPLE';
    return {
      topic: 'orders',
      envelope: createEnvelope(orderFailedV2, {
        id: o.eventId,
        key: orderId,
        source: 'orders',
        data: {
          orderId,
          orderNumber: o.orderNumber ?? 'SO-100042',
          customer: customer(o),
          reason: 'No delivery partner serves your address at the moment.',
          undone: ['STOCK_RELEASED', 'PAYMENT_REFUNDED'],
          currency: o.currency ?? 'USD',
          refundedCents: 26095,
        },
      }),
    };
  },
  'order-cancelled': (o = {}) => {
    const orderId = o.orderId ?? 'ord_01HSAMPLE';
    return {
      topic: 'orders',
      envelope: createEnvelope(orderCancelledV2, {
        id: o.eventId,
        key: orderId,
        source: 'orders',
        data: {
          orderId,
          orderNumber: o.orderNumber ?? 'SO-100042',
          customer: customer(o),
          currency: o.currency ?? 'USD',
          refundedCents: 26095,
        },
      }),
    };
  },
  'partner-assigned': (o = {}) => shipment(o, 'assigned'),
  'picked-up': (o = {}) => shipment(o, 'picked-up'),
  'out-for-delivery': (o = {}) => shipment(o, 'in-transit'),
  delivered: (o = {}) => shipment(o, 'delivered'),
  'delivery-failed': (o = {}) => shipment(o, 'failed'),
  welcome: (o = {}) => {
    const userId = o.userId ?? 'usr_01HSAMPLE';
    return {
      topic: 'users',
      envelope: createEnvelope(userRegisteredV1, {
        id: o.eventId,
        key: userId,
        source: 'users',
        data: {
          userId,
          email: o.email ?? 'ada@example.com',
          name: o.name ?? 'Ada Lovelace',
          bonus: {
            currency: o.currency ?? 'USD',
            creditCents: 1000,
            coupons: [
              {
                code: 'WELCOME10',
                description: '10% off your next order',
                expiresAt: '2027-01-31T23:59:59Z',
              },
            ],
          },
        },
      }),
    };
  },
  'saga-parked': (o = {}) => {
    const sagaId = o.sagaId ?? 'replenish-7d1c2a4e-5b8f-4e0a-9c61-2f3b4d5e6a70';
    return {
      topic: 'sagas',
      envelope: createEnvelope(sagaParkedV1, {
        id: o.eventId,
        key: sagaId,
        source: 'sagas',
        data: {
          sagaId,
          sagaType: o.sagaType ?? 'replenish-stock',
          subject: o.subject === undefined ? '7d1c2a4e-5b8f-4e0a-9c61-2f3b4d5e6a70' : o.subject,
          stepName: o.stepName ?? 'place-purchase-order',
          reason:
            o.reason ??
            'supplier ACME Office Supply refused the purchase order: SKU discontinued (code 409)',
        },
      }),
    };
  },
};

function customer(o: SampleOverrides): { userId: string; email: string; name: string } {
  return {
    userId: o.userId ?? 'usr_01HSAMPLE',
    email: o.email ?? 'ada@example.com',
    name: o.name ?? 'Ada Lovelace',
  };
}

/** The five shipment changes that write, as delivery's outbox publishes them. */
const SHIPMENT_STEPS = {
  assigned: { sequence: 1, previousStatus: 'PENDING', status: 'ASSIGNED' },
  'picked-up': { sequence: 3, previousStatus: 'ACCEPTED', status: 'PICKED_UP' },
  'in-transit': { sequence: 4, previousStatus: 'PICKED_UP', status: 'IN_TRANSIT' },
  delivered: { sequence: 5, previousStatus: 'IN_TRANSIT', status: 'DELIVERED' },
  failed: { sequence: 5, previousStatus: 'IN_TRANSIT', status: 'FAILED' },
} as const;

function shipment(o: SampleOverrides, change: keyof typeof SHIPMENT_STEPS): SampleEvent {
  const orderId = o.orderId ?? 'ord_01HSAMPLE';
  const step = SHIPMENT_STEPS[change];
  return {
    topic: 'delivery',
    envelope: createEnvelope(shipmentChangedV1, {
      id: o.eventId,
      key: orderId,
      source: 'delivery',
      data: {
        shipmentId: `shp_${orderId}`,
        orderId,
        customerId: o.userId ?? 'usr_01HSAMPLE',
        sequence: step.sequence,
        change,
        status: step.status,
        previousStatus: step.previousStatus,
        partnerId: 'prt_7',
        partnerUserId: 'usr_PARTNER7',
        partnerName: 'Grace Hopper',
        previousPartnerId: null,
        previousPartnerUserId: null,
        position: change === 'in-transit' ? { latitude: 40.75, longitude: -73.99 } : null,
        reason: change === 'failed' ? 'Nobody was at the address to take the parcel' : null,
        trackingCode: 'TRK-5A3F09C2B1D4',
        at: '2026-12-01T10:00:00.000Z',
      },
    }),
  };
}
