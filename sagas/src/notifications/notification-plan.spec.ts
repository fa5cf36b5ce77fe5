import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  ContractRegistry,
  createEnvelope,
  orderConfirmedV1,
  shipmentStatusChangedV2,
  type Envelope,
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
    welcome: 'contact',
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

  it('the welcome event also feeds the users projection', () => {
    const p = plan(SAMPLE_EVENTS.welcome({ userId: 'u-9', email: 'z@example.com' }).envelope);
    assert.deepEqual(p.userContact, {
      userId: 'u-9',
      email: 'z@example.com',
      name: 'Ada Lovelace',
    });
  });

  it('skips shipment states without an email and the v1 twins of the v2 events', () => {
    const pending = createEnvelope(shipmentStatusChangedV2, {
      key: 'o',
      source: 'delivery',
      data: {
        shipmentId: 's',
        orderId: 'o',
        orderNumber: 'SO-1',
        customerId: 'u',
        status: 'PENDING',
        partner: null,
        expectedWindow: null,
      },
    });
    const v1 = createEnvelope(orderConfirmedV1, {
      key: 'o',
      source: 'orders',
      data: { orderId: 'o', userId: 'u' },
    });
    for (const envelope of [pending, v1]) {
      const p = plan(envelope);
      assert.equal(p.email, undefined);
      assert.ok((p.skipped ?? '').length > 0);
    }
  });
});
