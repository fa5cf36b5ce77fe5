import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { shipmentStatusChangedV2 } from './delivery/shipment-status-changed.v2.js';
import { createEnvelope } from './envelope.js';
import { orderConfirmedV2 } from './orders/order-confirmed.v2.js';
import { ContractRegistry } from './registry.js';
import { userRegisteredV1 } from './users/user-registered.v1.js';

const shipment = {
  shipmentId: 's-1',
  orderId: 'o-1',
  orderNumber: 'SO-1',
  customerId: 'u-1',
  status: 'ASSIGNED' as const,
  partner: { id: 'p-1', name: 'Grace' },
  expectedWindow: { from: '2026-12-02T14:00:00Z', to: '2026-12-02T16:00:00Z' },
};

describe('v2 contracts for emails', () => {
  it('order-confirmed@2 refuses a payload without the customer contact', () => {
    assert.throws(() =>
      createEnvelope(orderConfirmedV2, {
        key: 'o-1',
        source: 'orders',
        data: { orderId: 'o-1' } as never,
      }),
    );
  });

  it('shipment-status-changed@2 requires the partner and window when ASSIGNED, not when PENDING', () => {
    assert.doesNotThrow(() =>
      createEnvelope(shipmentStatusChangedV2, { key: 'o-1', source: 'delivery', data: shipment }),
    );
    for (const broken of [
      { ...shipment, partner: null },
      { ...shipment, expectedWindow: null },
      { ...shipment, expectedWindow: { from: '2026-12-02T16:00:00Z', to: '2026-12-02T14:00:00Z' } },
    ])
      assert.throws(() =>
        createEnvelope(shipmentStatusChangedV2, { key: 'o-1', source: 'delivery', data: broken }),
      );
    assert.doesNotThrow(() =>
      createEnvelope(shipmentStatusChangedV2, {
        key: 'o-1',
        source: 'delivery',
        data: { ...shipment, status: 'PENDING', partner: null, expectedWindow: null },
      }),
    );
  });

  it('user-registered@1 still accepts a payload without the bonus (an additive change)', () => {
    const registry = new ContractRegistry([userRegisteredV1]);
    const env = createEnvelope(userRegisteredV1, {
      key: 'u-1',
      source: 'users',
      data: { userId: 'u-1', email: 'a@example.com', name: 'A' },
    });
    assert.equal(registry.decode(JSON.stringify(env)).envelope.data.bonus, undefined);
  });
});
