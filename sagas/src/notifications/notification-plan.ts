import { assertNever } from '@shop/platform';
import {
  bonusGrantedV1,
  bonusWithdrawnV1,
  orderCancelledV1,
  orderCancelledV2,
  orderConfirmedV1,
  orderConfirmedV2,
  orderFailedV1,
  orderFailedV2,
  orderPlacedV1,
  orderPlacedV2,
  orderCancelRequestedV1,
  sagaParkedV1,
  shipmentChangedV1,
  userRegisteredV1,
  type Contract,
  type DecodedOf,
  type EnvelopeOf,
  type OrderFailedV2,
  type SagaParkedV1,
  type ShipmentChangedV1,
  type UserRegisteredV1,
} from '@shop/schema';
import { CANCEL_ORDER_SAGA } from '../sagas/cancel-order.saga.js';
import { PLACE_ORDER_SAGA } from '../sagas/place-order.saga.js';
import { REPLENISH_STOCK_SAGA } from '../sagas/replenish-stock.saga.js';
import { formatMinorUnits } from './money.js';

/**
 * Every contract published on the worker's four topics. Those that carry no email (or, for the v1
 * order contracts, not the data an email needs: orders publishes v2 beside them) are listed too,
 * so that they are read and ignored on purpose; anything else is dead-lettered as unknown.
 */
export const NOTIFICATION_CONTRACTS = [
  orderConfirmedV2,
  orderFailedV2,
  orderCancelledV2,
  shipmentChangedV1,
  userRegisteredV1,
  bonusGrantedV1,
  bonusWithdrawnV1,
  sagaParkedV1,
  orderPlacedV1,
  orderPlacedV2,
  orderCancelRequestedV1,
  orderConfirmedV1,
  orderFailedV1,
  orderCancelledV1,
] as const;
export type NotificationContract = (typeof NOTIFICATION_CONTRACTS)[number];

/** One folder per email under `sagas/templates/`. */
export const TEMPLATE_NAMES = [
  'order-confirmed',
  'order-failed',
  'order-cancelled',
  'partner-assigned',
  'picked-up',
  'out-for-delivery',
  'delivered',
  'delivery-failed',
  'welcome',
  'saga-parked',
] as const;
export type TemplateName = (typeof TEMPLATE_NAMES)[number];

/**
 * Where an email goes: given by the event, a users id resolved through the projection, or the
 * operations address of the worker's configuration (NOTIFY_OPS_EMAIL).
 */
export type RecipientRef =
  | { readonly kind: 'contact'; readonly email: string; readonly name: string }
  | { readonly kind: 'user'; readonly userId: string }
  | { readonly kind: 'operations' };

export interface EmailJob {
  readonly template: TemplateName;
  readonly to: RecipientRef;
  /** The template's data (amounts and dates already formatted); the recipient is added later. */
  readonly view: Readonly<Record<string, unknown>>;
}

/** What one event asks of the worker. */
export interface NotificationPlan {
  /** A contact for the worker's users projection. */
  readonly userContact?: { readonly userId: string; readonly email: string; readonly name: string };
  readonly email?: EmailJob;
  /** Why no email, when there is none (logged at debug). */
  readonly skipped?: string;
}

export interface FormatOptions {
  /** BCP 47 locale for amounts and dates. @default 'en-US' */
  readonly locale: string;
  /** Time zone of dates (a coupon's expiry, when a saga was parked). @default 'UTC' */
  readonly timeZone: string;
}

/** One thing an operator can do about a parked saga: what, and what to type. */
export interface OperatorAction {
  readonly text: string;
  readonly code: string;
}

type Incoming<C = NotificationContract> = C extends Contract
  ? { readonly name: C['name']; readonly envelope: EnvelopeOf<C> }
  : never;

const UNDONE_TEXT: Record<OrderFailedV2['undone'][number], string> = {
  STOCK_RELEASED: 'The items we had set aside for you were released.',
  PAYMENT_REFUNDED: 'Your payment was refunded in full.',
  SHIPMENT_CANCELLED: 'The delivery we had booked was cancelled.',
};

/**
 * The pure decision: which email (if any) an event makes, to whom, with which data. Dispatches on
 * `type@version`, closed with assertNever, so a contract added to NOTIFICATION_CONTRACTS does not
 * compile until it is handled here.
 */
export function planNotification(
  decoded: DecodedOf<NotificationContract>,
  format: FormatOptions,
): NotificationPlan {
  const incoming = { name: decoded.contract.name, envelope: decoded.envelope } as Incoming;
  const money = (minor: number, currency: string): string =>
    formatMinorUnits(minor, currency, format.locale);
  switch (incoming.name) {
    case 'orders.order-confirmed@2': {
      const d = incoming.envelope.data;
      const a = d.shippingAddress;
      return {
        email: {
          template: 'order-confirmed',
          to: { kind: 'contact', email: d.customer.email, name: d.customer.name },
          view: {
            orderNumber: d.orderNumber,
            lines: d.lines.map((l) => ({
              title: l.title,
              quantity: l.quantity,
              unitPrice: money(l.unitPriceCents, d.currency),
              lineTotal: money(l.unitPriceCents * l.quantity, d.currency),
            })),
            subtotal: money(d.subtotalCents, d.currency),
            discount: d.discountCents > 0 ? money(d.discountCents, d.currency) : null,
            shipping: money(d.shippingCents, d.currency),
            total: money(d.totalCents, d.currency),
            address: [
              a.name,
              a.line1,
              a.line2,
              `${a.city}${a.region === undefined ? '' : `, ${a.region}`} ${a.postalCode}`,
              a.country,
            ].filter((part): part is string => part !== undefined && part !== ''),
          },
        },
      };
    }
    case 'orders.order-failed@2': {
      const d = incoming.envelope.data;
      return {
        email: {
          template: 'order-failed',
          to: { kind: 'contact', email: d.customer.email, name: d.customer.name },
          view: {
            orderNumber: d.orderNumber,
            reason: d.reason,
            undone: d.undone.map((u) => UNDONE_TEXT[u]),
            refund: d.refundedCents > 0 ? money(d.refundedCents, d.currency) : null,
          },
        },
      };
    }
    case 'orders.order-cancelled@2': {
      const d = incoming.envelope.data;
      return {
        email: {
          template: 'order-cancelled',
          to: { kind: 'contact', email: d.customer.email, name: d.customer.name },
          view: {
            orderNumber: d.orderNumber,
            refund: d.refundedCents > 0 ? money(d.refundedCents, d.currency) : null,
          },
        },
      };
    }
    case 'delivery.shipment-changed@1': {
      const d = incoming.envelope.data;
      const template = shipmentTemplate(d);
      if (typeof template !== 'string') return template;
      return {
        email: {
          template,
          // Delivery keeps no contact details: the worker's users projection has the address.
          to: { kind: 'user', userId: d.customerId },
          view: {
            // Delivery knows no order number; the id is what the customer's order page shows.
            orderId: d.orderId,
            trackingCode: d.trackingCode,
            partnerName: d.partnerName ?? null,
            // Why the delivery failed (the partner's report), for the delivery-failed email.
            reason: d.reason,
          },
        },
      };
    }
    case 'users.user-registered@1': {
      const d = incoming.envelope.data;
      const userContact = { userId: d.userId, email: d.email, name: d.name };
      // With an offer, the registration-bonus saga ends in users.bonus-granted or
      // users.bonus-withdrawn, and that event writes the one welcome email.
      if (d.bonusOffer !== undefined)
        return { userContact, skipped: 'the welcome email waits for the registration bonus' };
      return { userContact, email: welcomeEmail(d, d.bonus, money, format) };
    }
    case 'users.bonus-granted@1': {
      const d = incoming.envelope.data;
      return { email: welcomeEmail(d, d.bonus, money, format) };
    }
    case 'users.bonus-withdrawn@1':
      return { email: welcomeEmail(incoming.envelope.data, undefined, money, format) };
    case 'sagas.saga-parked@1': {
      const d = incoming.envelope.data;
      return {
        email: {
          template: 'saga-parked',
          to: { kind: 'operations' },
          view: {
            sagaType: d.sagaType,
            sagaId: d.sagaId,
            subject: d.subject,
            subjectKind: SUBJECT_KIND.get(d.sagaType) ?? null,
            stepName: d.stepName,
            reason: d.reason,
            parkedAt: new Intl.DateTimeFormat(format.locale, {
              dateStyle: 'medium',
              timeStyle: 'long',
              timeZone: format.timeZone,
            }).format(new Date(incoming.envelope.occurredAt)),
            actions: operatorActions(d),
          },
        },
      };
    }
    case 'orders.order-placed@1':
    case 'orders.order-placed@2':
      return { skipped: 'an order is confirmed (or fails) later; that event writes' };
    case 'orders.order-cancel-requested@1':
      return { skipped: 'the cancellation writes once its refund is done (order-cancelled)' };
    case 'orders.order-confirmed@1':
    case 'orders.order-failed@1':
    case 'orders.order-cancelled@1':
      return { skipped: `${incoming.name} lacks the email's data; its v2 twin writes` };
    default:
      return assertNever(incoming);
  }
}

/** What a saga's `subject` names, for the sagas that have one. */
const SUBJECT_KIND: ReadonlyMap<string, string> = new Map([
  [REPLENISH_STOCK_SAGA, 'replenishment'],
  [PLACE_ORDER_SAGA, 'order'],
  [CANCEL_ORDER_SAGA, 'order'],
]);

/**
 * What an operator does about a parked saga. A replenishment has its own admin API in the
 * supergraph (catalog owns it); every saga, that one included, can be read with the sagas CLI.
 */
function operatorActions(d: SagaParkedV1): OperatorAction[] {
  const cli: OperatorAction = {
    text: "Read the saga's state, data and step history with the sagas CLI:",
    code: `npm run sagas -w sagas -- show ${d.sagaId}`,
  };
  if (d.sagaType !== REPLENISH_STOCK_SAGA || d.subject === null) return [cli];
  return [
    {
      text: 'See it among the parked replenishments (admin query in the GraphQL API):',
      code: 'replenishments(filter: NEEDS_ATTENTION)',
    },
    {
      text: 'Once the cause is dealt with (the supplier, the stock row), retry it (admin mutation):',
      code: `retryReplenishment(id: ${JSON.stringify(d.subject)})`,
    },
    cli,
  ];
}

/** The welcome email, listing the bonus when there is one. */
function welcomeEmail(
  to: { readonly email: string; readonly name: string },
  bonus: UserRegisteredV1['bonus'],
  money: (minor: number, currency: string) => string,
  format: FormatOptions,
): EmailJob {
  return {
    template: 'welcome',
    to: { kind: 'contact', email: to.email, name: to.name },
    view: {
      credit:
        bonus !== undefined && bonus.creditCents > 0
          ? money(bonus.creditCents, bonus.currency)
          : null,
      coupons: (bonus?.coupons ?? []).map((c) => ({
        code: c.code,
        description: c.description,
        expires:
          c.expiresAt === undefined
            ? null
            : new Intl.DateTimeFormat(format.locale, {
                dateStyle: 'medium',
                timeZone: format.timeZone,
              }).format(new Date(c.expiresAt)),
      })),
    },
  };
}

/**
 * Which shipment changes the customer hears about: the partner taking the order (again, with the
 * new name, after a decline or time-out), the pick-up, the parcel leaving for the door, the
 * delivery and a failed delivery (the customer must act: be home, or get in touch). Everything else is the partner's business or another email's (a cancelled shipment is
 * told by the order-cancelled or order-failed email).
 */
function shipmentTemplate(d: ShipmentChangedV1): TemplateName | { skipped: string } {
  switch (d.change) {
    case 'assigned':
      return 'partner-assigned';
    case 'picked-up':
      return 'picked-up';
    case 'in-transit':
      // Delivery's IN_TRANSIT is the partner on the way to the door: "out for delivery" to a
      // customer, once. IN_TRANSIT → IN_TRANSIT is a position report, and an event older than
      // `previousStatus` cannot tell the two apart, so it writes nothing rather than risk a repeat.
      return d.previousStatus === 'PICKED_UP'
        ? 'out-for-delivery'
        : { skipped: `in-transit from ${d.previousStatus ?? 'an unknown status'}: no new email` };
    case 'delivered':
      return 'delivered';
    case 'failed':
      return 'delivery-failed';
    case 'accepted':
    case 'declined':
    case 'timed-out':
    case 'cancelled':
      return { skipped: `no email for a shipment ${d.change}` };
    default:
      return assertNever(d.change);
  }
}
