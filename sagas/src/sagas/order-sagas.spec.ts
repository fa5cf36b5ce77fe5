import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  createEnvelope,
  failOrderPayloadV1,
  orderCancelRequestedV1,
  orderPlacedV2,
  type OrderPlacedV2,
  type SagaStepReplyV1,
} from '@shop/schema';
import {
  decide,
  parkedEvent,
  startTransition,
  type SagaCommandOut,
  type SagaDecision,
} from '../engine/saga-decision.js';
import type { SagaDefinition } from '../engine/saga-definition.js';
import type { SagaState } from '../engine/saga-state.js';
import { cancelOrderSaga } from './cancel-order.saga.js';
import { customerFailureReason, placeOrderSaga, undoneFromHistory } from './place-order.saga.js';

const NOW = new Date('2026-01-01T00:00:00.000Z');
const PLACE = placeOrderSaga();
const CANCEL = cancelOrderSaga();

const placed: OrderPlacedV2 = {
  orderId: 'ord-1',
  orderNumber: 'SO-1',
  customer: { userId: 'u-1', email: 'a@shop.test', name: 'Ann' },
  currency: 'USD',
  lines: [
    { productId: 'lamp', title: 'Lamp', quantity: 2, unitPriceCents: 1000 },
    { productId: 'mug', title: 'Mug', quantity: 3, unitPriceCents: 500 },
  ],
  subtotalCents: 3500,
  discountCents: 0,
  shippingCents: 0,
  totalCents: 3500,
  shippingAddress: {
    name: 'Ann',
    line1: '1 Main St',
    city: 'New York',
    postalCode: '10001',
    country: 'US',
  },
};

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Def = SagaDefinition<any>;

/** A saga driven through `decide`; `commands` are the payloads the orchestrator would write. */
class Drive {
  state: SagaState;
  last: SagaDecision;
  constructor(
    readonly def: Def,
    id: string,
    data: Record<string, unknown>,
  ) {
    this.last = startTransition(def, { id, data, requestId: null, correlationId: id }, NOW);
    this.state = this.last.state;
  }

  reply(
    stepName: string,
    action: 'execute' | 'compensate',
    outcome: 'succeeded' | 'failed',
    extra: Partial<SagaStepReplyV1> = {},
  ): this {
    const step = this.def.steps.findIndex((s) => s.name === stepName);
    return this.apply(
      decide(
        this.def,
        this.state,
        {
          kind: 'reply',
          reply: {
            sagaId: this.state.id,
            sagaType: this.def.type,
            step,
            action,
            attempt: this.state.attempt,
            outcome,
            ...extra,
          },
        },
        NOW,
      ),
    );
  }

  deadline(): this {
    return this.apply(decide(this.def, this.state, { kind: 'deadline' }, NOW));
  }

  /** `<step>:<action>` of what the last decision sends. */
  sends(): string[] {
    return this.last.kind === 'transition'
      ? this.last.commands.map((c) => `${c.stepName}:${c.action}`)
      : [];
  }

  /** The payload the orchestrator builds for the last decision's command. */
  payload(): unknown {
    if (this.last.kind !== 'transition') throw new Error('ignored');
    const c: SagaCommandOut = this.last.commands.at(-1)!;
    const step = this.def.steps[c.step]!;
    const command = c.action === 'execute' ? step.execute : step.compensate!;
    return command.payload(this.state.data, {
      id: this.state.id,
      failureReason: this.state.failureReason,
      history: this.state.history,
    });
  }

  private apply(d: SagaDecision): this {
    assert.equal(d.kind, 'transition', d.kind === 'ignore' ? d.reason : '');
    this.last = d;
    if (d.kind === 'transition') this.state = d.state;
    return this;
  }
}

const startPlace = (): Drive => {
  const start = PLACE.trigger!.start(
    createEnvelope(orderPlacedV2, { key: placed.orderId, source: 'orders', data: placed }),
  )!;
  return new Drive(PLACE, start.id, PLACE.data.parse(start.data));
};

describe('place-order saga', () => {
  it('starts from orders.order-placed@2 as po:<orderId>, with the ZIP and units of the order', () => {
    const start = PLACE.trigger!.start(
      createEnvelope(orderPlacedV2, { key: placed.orderId, source: 'orders', data: placed }),
    );
    assert.equal(start?.id, 'po:ord-1');
    const data = PLACE.data.parse(start?.data);
    assert.equal(data.units, 5);
    assert.equal(data.postalCode, '10001');
    assert.equal(PLACE.subject?.(data), 'ord-1');
  });

  it('runs open → reserve → capture → assign → commit → confirm and completes', () => {
    const d = startPlace();
    assert.deepEqual(d.sends(), ['open-order:execute']);
    d.reply('open-order', 'execute', 'succeeded');
    assert.deepEqual(d.payload(), {
      orderId: 'ord-1',
      lines: [
        { productId: 'lamp', quantity: 2 },
        { productId: 'mug', quantity: 3 },
      ],
    });
    d.reply('reserve-stock', 'execute', 'succeeded', { result: { reservedUnits: 5 } });
    d.reply('capture-payment', 'execute', 'succeeded', {
      result: { paymentId: 'pay-1', capturedCents: 3500 },
    });
    assert.deepEqual(d.sends(), ['assign-shipment:execute']);
    assert.deepEqual(d.payload(), {
      orderId: 'ord-1',
      customerId: 'u-1',
      postalCode: '10001',
      units: 5,
    });
    d.reply('assign-shipment', 'execute', 'succeeded');
    assert.deepEqual(d.sends(), ['commit-stock:execute']);
    d.reply('commit-stock', 'execute', 'succeeded');
    assert.deepEqual(d.sends(), ['confirm-order:execute']);
    d.reply('confirm-order', 'execute', 'succeeded');
    assert.equal(d.state.status, 'COMPLETED');
  });

  it('a declined card releases the stock, then fails the order with the reason and what was undone', () => {
    const d = startPlace()
      .reply('open-order', 'execute', 'succeeded')
      .reply('reserve-stock', 'execute', 'succeeded')
      .reply('capture-payment', 'execute', 'failed', { reason: 'Your card was declined.' });
    assert.deepEqual(d.sends(), ['reserve-stock:compensate']);
    d.reply('reserve-stock', 'compensate', 'succeeded');
    assert.deepEqual(d.sends(), ['open-order:compensate']);
    assert.deepEqual(failOrderPayloadV1.parse(d.payload()), {
      orderId: 'ord-1',
      reason: 'Payment declined: Your card was declined.',
      undone: ['STOCK_RELEASED'],
    });
    d.reply('open-order', 'compensate', 'succeeded');
    assert.equal(d.state.status, 'FAILED');
  });

  it('out of stock fails the order at once, nothing to undo but the order', () => {
    const d = startPlace()
      .reply('open-order', 'execute', 'succeeded')
      .reply('reserve-stock', 'execute', 'failed', {
        reason: 'out of stock: lamp wants 2, 0 available',
      });
    assert.deepEqual(d.sends(), ['open-order:compensate']);
    const p = failOrderPayloadV1.parse(d.payload());
    assert.match(p.reason, /^Out of stock/);
    assert.doesNotMatch(p.reason, /lamp wants/, 'product ids stay in the history');
    assert.deepEqual(p.undone, []);
  });

  it('no delivery partner refunds, releases, then fails the order', () => {
    const d = startPlace()
      .reply('open-order', 'execute', 'succeeded')
      .reply('reserve-stock', 'execute', 'succeeded')
      .reply('capture-payment', 'execute', 'succeeded')
      .reply('assign-shipment', 'execute', 'failed', {
        reason: 'no delivery partner available for 99999: 1 outside the service area',
      });
    assert.deepEqual(d.sends(), ['capture-payment:compensate']);
    d.reply('capture-payment', 'compensate', 'succeeded');
    assert.deepEqual(d.sends(), ['reserve-stock:compensate']);
    d.reply('reserve-stock', 'compensate', 'succeeded');
    const p = failOrderPayloadV1.parse(d.payload());
    assert.match(p.reason, /^No delivery partner is available/);
    assert.deepEqual(p.undone, ['PAYMENT_REFUNDED', 'STOCK_RELEASED']);
  });

  it('a payment unanswered on every attempt is refunded itself (it may have gone through)', () => {
    const d = startPlace()
      .reply('open-order', 'execute', 'succeeded')
      .reply('reserve-stock', 'execute', 'succeeded')
      .deadline()
      .deadline()
      .deadline();
    assert.deepEqual(d.sends(), ['capture-payment:compensate']);
    d.reply('capture-payment', 'compensate', 'succeeded').reply(
      'reserve-stock',
      'compensate',
      'succeeded',
    );
    const p = failOrderPayloadV1.parse(d.payload());
    assert.match(p.reason, /^Payment could not be confirmed in time/);
    assert.deepEqual(p.undone, ['PAYMENT_REFUNDED', 'STOCK_RELEASED']);
  });

  it('a refused commit of the stock (the pivot) undoes everything before it', () => {
    const d = startPlace()
      .reply('open-order', 'execute', 'succeeded')
      .reply('reserve-stock', 'execute', 'succeeded')
      .reply('capture-payment', 'execute', 'succeeded')
      .reply('assign-shipment', 'execute', 'succeeded')
      .reply('commit-stock', 'execute', 'failed', { reason: 'released' });
    assert.deepEqual(d.sends(), ['assign-shipment:compensate']);
  });

  it('an unanswered confirm is resent, never stepped over, and parks only after its attempts', () => {
    const d = startPlace()
      .reply('open-order', 'execute', 'succeeded')
      .reply('reserve-stock', 'execute', 'succeeded')
      .reply('capture-payment', 'execute', 'succeeded')
      .reply('assign-shipment', 'execute', 'succeeded')
      .reply('commit-stock', 'execute', 'succeeded');
    for (let i = 1; i < 30; i++) {
      d.deadline();
      assert.deepEqual(d.sends(), ['confirm-order:execute']);
    }
    const before = d.state;
    d.deadline();
    assert.equal(d.state.status, 'NEEDS_ATTENTION');
    assert.deepEqual(parkedEvent(PLACE, before, d.state), {
      sagaId: 'po:ord-1',
      sagaType: 'place-order',
      subject: 'ord-1',
      stepName: 'confirm-order',
      reason: d.state.failureReason,
    });
  });
});

describe('place-order saga with a coupon and store credit', () => {
  const startWith = (extra: Partial<OrderPlacedV2>): Drive => {
    const start = PLACE.trigger!.start(
      createEnvelope(orderPlacedV2, {
        key: placed.orderId,
        source: 'orders',
        data: { ...placed, ...extra },
      }),
    )!;
    return new Drive(PLACE, start.id, PLACE.data.parse(start.data));
  };
  const skipped = (d: Drive) =>
    d.state.history.filter((h) => h.event === 'skipped').map((h) => h.stepName);

  it('skips the coupon and credit steps of an order without either', () => {
    const d = startPlace().reply('open-order', 'execute', 'succeeded');
    assert.deepEqual(d.sends(), ['reserve-stock:execute']);
    assert.deepEqual(skipped(d), ['redeem-coupon', 'apply-deductions', 'debit-credit']);
  });

  it('redeems, prices, debits, then captures what is left', () => {
    const d = startWith({ couponCode: 'ABCD-EFGH', creditRequestedCents: 700 });
    d.reply('open-order', 'execute', 'succeeded');
    assert.deepEqual(d.sends(), ['redeem-coupon:execute']);
    assert.deepEqual(d.payload(), {
      orderId: 'ord-1',
      userId: 'u-1',
      code: 'ABCD-EFGH',
      subtotalCents: 3500,
      currency: 'USD',
    });
    d.reply('redeem-coupon', 'execute', 'succeeded', {
      result: { couponId: 'c-1', discountCents: 1000 },
    });
    assert.deepEqual(d.payload(), { orderId: 'ord-1', discountCents: 1000 });
    d.reply('apply-deductions', 'execute', 'succeeded', {
      result: { discountCents: 1000, creditCents: 700, totalCents: 1800 },
    });
    assert.deepEqual(d.payload(), {
      orderId: 'ord-1',
      userId: 'u-1',
      amountCents: 700,
      currency: 'USD',
    });
    d.reply('debit-credit', 'execute', 'succeeded', { result: { amountCents: 700 } });
    d.reply('reserve-stock', 'execute', 'succeeded');
    assert.deepEqual(d.sends(), ['capture-payment:execute']);
  });

  it('skips the capture (and its refund) when coupon and credit cover the order', () => {
    const d = startWith({ creditRequestedCents: 5000 })
      .reply('open-order', 'execute', 'succeeded')
      .reply('apply-deductions', 'execute', 'succeeded', {
        result: { discountCents: 0, creditCents: 3500, totalCents: 0 },
      })
      .reply('debit-credit', 'execute', 'succeeded')
      .reply('reserve-stock', 'execute', 'succeeded');
    assert.deepEqual(d.sends(), ['assign-shipment:execute']);
    d.reply('assign-shipment', 'execute', 'failed', { reason: 'no partner' });
    // No refund: the capture never ran.
    assert.deepEqual(d.sends(), ['reserve-stock:compensate']);
    d.reply('reserve-stock', 'compensate', 'succeeded');
    assert.deepEqual(d.sends(), ['debit-credit:compensate']);
  });

  it('a declined card gives the credit back and the coupon, then fails the order', () => {
    const d = startWith({ couponCode: 'ABCD-EFGH', creditRequestedCents: 100 })
      .reply('open-order', 'execute', 'succeeded')
      .reply('redeem-coupon', 'execute', 'succeeded', {
        result: { couponId: 'c-1', discountCents: 500 },
      })
      .reply('apply-deductions', 'execute', 'succeeded', {
        result: { discountCents: 500, creditCents: 100, totalCents: 2900 },
      })
      .reply('debit-credit', 'execute', 'succeeded')
      .reply('reserve-stock', 'execute', 'succeeded')
      .reply('capture-payment', 'execute', 'failed', { reason: 'Your card was declined.' });
    const order: string[] = [];
    for (const step of ['reserve-stock', 'debit-credit', 'apply-deductions', 'redeem-coupon']) {
      order.push(...d.sends());
      d.reply(step, 'compensate', 'succeeded');
    }
    assert.deepEqual(order, [
      'reserve-stock:compensate',
      'debit-credit:compensate',
      'apply-deductions:compensate',
      'redeem-coupon:compensate',
    ]);
    assert.deepEqual(d.sends(), ['open-order:compensate']);
    assert.match((d.payload() as { reason: string }).reason, /^Payment declined/);
  });

  it('a refused coupon fails the order with users’ reason, nothing else to undo', () => {
    const d = startWith({ couponCode: 'ABCD-EFGH' })
      .reply('open-order', 'execute', 'succeeded')
      .reply('redeem-coupon', 'execute', 'failed', {
        reason: 'this coupon has already been used',
      });
    assert.deepEqual(d.sends(), ['open-order:compensate']);
    assert.deepEqual(d.payload(), {
      orderId: 'ord-1',
      reason: 'This coupon has already been used. You have not been charged.',
      undone: [],
    });
  });
});

describe('customerFailureReason and undoneFromHistory', () => {
  const rows: [string | null, RegExp][] = [
    ['reserve-stock: out of stock: p-1 wants 3, 1 available', /^Out of stock/],
    ['reserve-stock: no reply after 3 attempts', /reserve your items in time/],
    ['capture-payment: Insufficient funds.', /^Payment declined: Insufficient funds\.$/],
    ['capture-payment: ', /^Payment declined: your payment method was declined/],
    ['assign-shipment: no delivery partner available for 10001', /^No delivery partner/],
    ['open-order: no reply after 3 attempts', /could not complete your order/],
    [
      'redeem-coupon: this coupon has already been used',
      /^This coupon has already been used\. You have not been charged\.$/,
    ],
    ['redeem-coupon: unknown coupon code', /^Unknown coupon code\./],
    ['redeem-coupon: no reply after 3 attempts', /could not check your coupon in time/],
    [
      'debit-credit: not enough credit: 500 wanted, 300 available',
      /^Not enough store credit: 500 wanted, 300 available\. You have not been charged\.$/,
    ],
    [null, /could not complete your order/],
  ];
  for (const [reason, expected] of rows)
    it(`words ${JSON.stringify(reason)} for the customer`, () =>
      assert.match(customerFailureReason(reason), expected));

  it('lists each compensation that succeeded once, in order, and nothing that was only sent', () => {
    const at = NOW.toISOString();
    assert.deepEqual(
      undoneFromHistory([
        { at, step: 3, stepName: 'assign-shipment', action: 'compensate', event: 'sent' },
        { at, step: 3, stepName: 'assign-shipment', action: 'compensate', event: 'succeeded' },
        { at, step: 2, stepName: 'capture-payment', action: 'compensate', event: 'failed' },
        { at, step: 2, stepName: 'capture-payment', action: 'compensate', event: 'succeeded' },
        { at, step: 2, stepName: 'capture-payment', action: 'compensate', event: 'succeeded' },
        { at, step: 1, stepName: 'reserve-stock', action: 'execute', event: 'succeeded' },
      ]),
      ['SHIPMENT_CANCELLED', 'PAYMENT_REFUNDED'],
    );
  });
});

describe('cancel-order saga', () => {
  const start = () => {
    const s = CANCEL.trigger!.start(
      createEnvelope(orderCancelRequestedV1, {
        key: 'ord-1',
        source: 'orders',
        data: { orderId: 'ord-1', userId: 'u-1' },
      }),
    )!;
    assert.equal(s.id, 'co:ord-1');
    return new Drive(CANCEL, s.id, CANCEL.data.parse(s.data));
  };

  it('cancels the shipment, restocks, refunds, gives coupon and credit back, completes', () => {
    const d = start();
    assert.deepEqual(d.sends(), ['cancel-shipment:execute']);
    assert.deepEqual(d.payload(), { orderId: 'ord-1' });
    d.reply('cancel-shipment', 'execute', 'succeeded');
    assert.deepEqual(d.sends(), ['restock-order:execute']);
    d.reply('restock-order', 'execute', 'succeeded');
    assert.deepEqual(d.sends(), ['refund-payment:execute']);
    d.reply('refund-payment', 'execute', 'succeeded');
    assert.deepEqual(d.sends(), ['unredeem-coupon:execute']);
    assert.deepEqual(d.payload(), { orderId: 'ord-1' });
    d.reply('unredeem-coupon', 'execute', 'succeeded');
    assert.deepEqual(d.sends(), ['give-back-credit:execute']);
    d.reply('give-back-credit', 'execute', 'succeeded');
    assert.deepEqual(d.sends(), ['complete-cancellation:execute']);
    d.reply('complete-cancellation', 'execute', 'succeeded');
    assert.equal(d.state.status, 'COMPLETED');
  });

  it('an unanswered refund is resent 10 times, then parked with a saga-parked event', () => {
    const d = start()
      .reply('cancel-shipment', 'execute', 'succeeded')
      .reply('restock-order', 'execute', 'succeeded');
    for (let i = 1; i < 10; i++) d.deadline();
    assert.equal(d.state.attempt, 10);
    assert.equal(d.state.status, 'RUNNING');
    const before = d.state;
    d.deadline();
    assert.equal(d.state.status, 'NEEDS_ATTENTION');
    assert.equal(parkedEvent(CANCEL, before, d.state)?.stepName, 'refund-payment');
    assert.equal(parkedEvent(CANCEL, before, d.state)?.subject, 'ord-1');
  });

  it('a parcel already picked up parks it before anything is restocked or refunded', () => {
    const d = start().reply('cancel-shipment', 'execute', 'failed', {
      reason: 'already picked up',
    });
    assert.equal(d.state.status, 'NEEDS_ATTENTION');
    assert.match(d.state.failureReason ?? '', /cancel-shipment: already picked up; .*forward-only/);
    assert.deepEqual(d.sends(), []);
  });

  it('a refused later step parks it too', () => {
    const d = start()
      .reply('cancel-shipment', 'execute', 'succeeded')
      .reply('restock-order', 'execute', 'failed', { reason: 'stock row missing' });
    assert.equal(d.state.status, 'NEEDS_ATTENTION');
  });
});
