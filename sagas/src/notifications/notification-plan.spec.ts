import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  bonusGrantedV1,
  bonusWithdrawnV1,
  ContractRegistry,
  createEnvelope,
  userRegisteredV1,
  orderCancelRequestedV1,
  orderConfirmedV1,
  orderPlacedV2,
  sagaParkedV1,
  shipmentChangedV1,
  type Envelope,
  type SagaParkedV1,
  type ShipmentChangedV1,
} from '@shop/schema';
import { NOTIFICATION_CONTRACTS, planNotification, TEMPLATE_NAMES } from './notification-plan.js';
import { SAMPLE_EVENTS } from './sample-events.js';

const registry = new ContractRegistry(NOTIFICATION_CONTRACTS);
const plan = (envelope: Envelope) =>
  planNotification(registry.decode(JSON.stringify(envelope)), {
    locale: 'en-US',
    timeZone: 'UTC',
  });

describe('planNotification', () => {
  const recipientKind = {
    'order-confirmed': 'contact',
    'order-failed': 'contact',
    'order-cancelled': 'contact',
    'partner-assigned': 'user',
    'picked-up': 'user',
    'out-for-delivery': 'user',
    delivered: 'user',
    'delivery-failed': 'user',
    welcome: 'contact',
    'saga-parked': 'operations',
  } as const;
  for (const template of TEMPLATE_NAMES)
    it(`${template}: its sample event makes that email, to a ${recipientKind[template]}`, () => {
      const p = plan(SAMPLE_EVENTS[template]().envelope);
      assert.equal(p.email?.template, template);
      assert.equal(p.email?.to.kind, recipientKind[template]);
    });

  it('formats the confirmed order for its currency, with the discount and the address', () => {
    const view = plan(SAMPLE_EVENTS['order-confirmed']({ currency: 'EUR' }).envelope).email?.view;
    assert.deepEqual(view?.lines, [
      { title: 'Ergonomic Desk Chair', quantity: 1, unitPrice: '€249.99', lineTotal: '€249.99' },
      { title: 'Ballpoint Pens, 12-pack', quantity: 3, unitPrice: '€4.99', lineTotal: '€14.97' },
    ]);
    assert.equal(view?.total, '€260.95');
    assert.equal(view?.discount, '€10.00');
    assert.deepEqual(view?.address, [
      'Ada Lovelace',
      '12 Analytical Way',
      'Apt 3',
      'Springfield, IL 62701',
      'US',
    ]);
  });

  it('a registration with a bonus offer waits: the bonus saga outcome writes the welcome email', () => {
    const who = { userId: 'u-5', email: 'b@example.com', name: 'b' };
    const registered = plan(
      createEnvelope(userRegisteredV1, {
        key: 'u-5',
        source: 'users',
        data: {
          ...who,
          bonusOffer: {
            currency: 'USD',
            creditCents: 500,
            coupons: {
              count: 2,
              discount: { kind: 'PERCENT', percentOff: 10 },
              minOrderCents: 2000,
              validDays: 30,
            },
          },
        },
      }),
    );
    assert.equal(registered.email, undefined);
    assert.deepEqual(registered.userContact, who);

    const granted = plan(
      createEnvelope(bonusGrantedV1, {
        key: 'u-5',
        source: 'users',
        data: {
          ...who,
          bonus: {
            currency: 'USD',
            creditCents: 500,
            coupons: [
              {
                code: 'ABCD-EFGH-JKMN-PQRS',
                description: '10% off an order of $20.00 or more',
                expiresAt: '2027-01-31T12:00:00Z',
              },
            ],
          },
        },
      }),
    );
    assert.equal(granted.email?.template, 'welcome');
    assert.equal(granted.email?.view.credit, '$5.00');
    assert.deepEqual(granted.email?.view.coupons, [
      {
        code: 'ABCD-EFGH-JKMN-PQRS',
        description: '10% off an order of $20.00 or more',
        expires: 'Jan 31, 2027',
      },
    ]);

    const withdrawn = plan(
      createEnvelope(bonusWithdrawnV1, {
        key: 'u-5',
        source: 'users',
        data: { ...who, reason: 'coupon generation failed' },
      }),
    );
    assert.equal(withdrawn.email?.template, 'welcome');
    assert.equal(withdrawn.email?.view.credit, null);
    assert.deepEqual(withdrawn.email?.view.coupons, []);
  });

  it('the welcome event also feeds the users projection', () => {
    const p = plan(SAMPLE_EVENTS.welcome({ userId: 'u-9', email: 'z@example.com' }).envelope);
    assert.deepEqual(p.userContact, {
      userId: 'u-9',
      email: 'z@example.com',
      name: 'Ada Lovelace',
    });
  });

  it('shipment emails: the order id, tracking code and partner name, to the customer by id', () => {
    const p = plan(SAMPLE_EVENTS['partner-assigned']({ userId: 'u-7', orderId: 'o-7' }).envelope);
    assert.deepEqual(p.email?.to, { kind: 'user', userId: 'u-7' });
    assert.deepEqual(p.email?.view, {
      orderId: 'o-7',
      trackingCode: 'TRK-5A3F09C2B1D4',
      partnerName: 'Grace Hopper',
      reason: null,
    });
  });

  it('an event from before partnerName still writes the assignment email, without a name', () => {
    const e = SAMPLE_EVENTS['partner-assigned']().envelope as Envelope<string, ShipmentChangedV1>;
    const { partnerName: _, ...older } = e.data;
    const p = plan({ ...e, data: older });
    assert.equal(p.email?.template, 'partner-assigned');
    assert.equal(p.email?.view.partnerName, null);
  });

  it('out for delivery once: the move from PICKED_UP writes, a position report does not', () => {
    const first = SAMPLE_EVENTS['out-for-delivery']().envelope as Envelope<
      string,
      ShipmentChangedV1
    >;
    assert.equal(plan(first).email?.template, 'out-for-delivery');
    const report = { ...first.data, sequence: 5, previousStatus: 'IN_TRANSIT' as const };
    const { previousStatus: _, ...older } = first.data;
    for (const data of [report, older]) {
      const p = plan({ ...first, data });
      assert.equal(p.email, undefined);
      assert.match(p.skipped ?? '', /in-transit from/);
    }
  });

  it('tells the customer why a delivery failed', () => {
    const view = plan(SAMPLE_EVENTS['delivery-failed']().envelope).email?.view;
    assert.equal(view?.reason, 'Nobody was at the address to take the parcel');
  });

  it('skips the shipment changes without an email, and the v1 twins of the order events', () => {
    const base = SAMPLE_EVENTS['partner-assigned']().envelope as Envelope<
      string,
      ShipmentChangedV1
    >;
    const changes: [ShipmentChangedV1['change'], ShipmentChangedV1['status']][] = [
      ['accepted', 'ACCEPTED'],
      ['declined', 'PENDING'],
      ['timed-out', 'PENDING'],
      ['cancelled', 'CANCELLED'],
    ];
    const quiet = changes.map(([change, status]) =>
      createEnvelope(shipmentChangedV1, {
        key: 'o',
        source: 'delivery',
        data: { ...base.data, change, status },
      }),
    );
    const v1 = createEnvelope(orderConfirmedV1, {
      key: 'o',
      source: 'orders',
      data: { orderId: 'o', userId: 'u' },
    });
    for (const envelope of [...quiet, v1]) {
      const p = plan(envelope);
      assert.equal(p.email, undefined, envelope.type);
      assert.ok((p.skipped ?? '').length > 0);
    }
  });

  it('skips the checkout saga triggers (order-placed v2, cancel-requested), not dead-letters them', () => {
    const placed = createEnvelope(orderPlacedV2, {
      key: 'o',
      source: 'orders',
      data: {
        orderId: 'o',
        orderNumber: 'SO-1',
        customer: { userId: 'u', email: 'u@example.com', name: 'U' },
        currency: 'USD',
        lines: [{ productId: 'p', title: 'P', quantity: 1, unitPriceCents: 100 }],
        subtotalCents: 100,
        discountCents: 0,
        shippingCents: 0,
        totalCents: 100,
        shippingAddress: {
          name: 'U',
          line1: '1 Main St',
          city: 'New York',
          postalCode: '10001',
          country: 'US',
        },
      },
    });
    const cancel = createEnvelope(orderCancelRequestedV1, {
      key: 'o',
      source: 'orders',
      data: { orderId: 'o', userId: 'u' },
    });
    for (const envelope of [placed, cancel]) {
      const p = plan(envelope);
      assert.equal(p.email, undefined, envelope.type);
      assert.ok((p.skipped ?? '').length > 0);
    }
  });

  describe('a parked saga: one email to the operations address', () => {
    const parked = (data: Partial<SagaParkedV1>, occurredAt = new Date('2026-03-04T05:06:07Z')) =>
      plan(
        createEnvelope(sagaParkedV1, {
          key: data.sagaId ?? 's-1',
          source: 'sagas',
          occurredAt,
          data: {
            sagaId: 's-1',
            sagaType: 'replenish-stock',
            subject: 'r-1',
            stepName: 'place-purchase-order',
            reason: 'refused',
            ...data,
          },
        }),
      );
    const cli = (sagaId: string) => ({
      text: "Read the saga's state, data and step history with the sagas CLI:",
      code: `npm run sagas -w sagas -- show ${sagaId}`,
    });

    it('names the saga, its subject, step and reason, verbatim (the template escapes)', () => {
      const reason = 'supplier said <b>no</b> & "never" again';
      const p = parked({ sagaId: 'replenish-r-1', reason });
      assert.deepEqual(p.email?.to, { kind: 'operations' });
      assert.equal(p.email?.template, 'saga-parked');
      assert.equal(p.userContact, undefined);
      const { actions: _, ...facts } = p.email?.view ?? {};
      assert.deepEqual(facts, {
        sagaType: 'replenish-stock',
        sagaId: 'replenish-r-1',
        subject: 'r-1',
        subjectKind: 'replenishment',
        stepName: 'place-purchase-order',
        reason,
        parkedAt: 'Mar 4, 2026, 5:06:07 AM UTC',
      });
    });

    const cases: {
      name: string;
      data: Partial<SagaParkedV1>;
      subjectKind: string | null;
      actions: { text: string; code: string }[];
    }[] = [
      {
        name: 'replenish-stock: the admin query and the retry mutation for its replenishment',
        data: { sagaId: 'replenish-r-9', subject: 'r-9' },
        subjectKind: 'replenishment',
        actions: [
          {
            text: 'See it among the parked replenishments (admin query in the GraphQL API):',
            code: 'replenishments(filter: NEEDS_ATTENTION)',
          },
          {
            text: 'Once the cause is dealt with (the supplier, the stock row), retry it (admin mutation):',
            code: 'retryReplenishment(id: "r-9")',
          },
          cli('replenish-r-9'),
        ],
      },
      {
        name: 'cancel-order: the sagas CLI, the subject an order',
        data: {
          sagaId: 'co:ord-1',
          sagaType: 'cancel-order',
          subject: 'ord-1',
          stepName: 'refund-payment',
        },
        subjectKind: 'order',
        actions: [cli('co:ord-1')],
      },
      {
        name: 'a saga without a subject: the sagas CLI',
        data: { sagaId: 'rb:u-1', sagaType: 'registration-bonus', subject: null },
        subjectKind: null,
        actions: [cli('rb:u-1')],
      },
      {
        name: 'a replenishment without a subject (cannot name its id): only the sagas CLI',
        data: { sagaId: 'replenish-x', subject: null },
        subjectKind: 'replenishment',
        actions: [cli('replenish-x')],
      },
    ];
    for (const c of cases)
      it(c.name, () => {
        const view = parked(c.data).email?.view;
        assert.equal(view?.subjectKind, c.subjectKind);
        assert.deepEqual(view?.actions, c.actions);
      });

    it('the parking time in the configured zone and locale', () => {
      const envelope = createEnvelope(sagaParkedV1, {
        key: 's-1',
        source: 'sagas',
        occurredAt: new Date('2026-03-04T05:06:07Z'),
        data: { sagaId: 's-1', sagaType: 't', subject: null, stepName: 'x', reason: 'r' },
      });
      const view = planNotification(registry.decode(JSON.stringify(envelope)), {
        locale: 'de-DE',
        timeZone: 'Europe/Berlin',
      }).email?.view;
      assert.match(String(view?.parkedAt), /04\.03\.2026.*06:06:07/);
    });
  });
});
