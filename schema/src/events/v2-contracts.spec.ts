import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { shipmentChangedV1 } from './delivery/shipment-changed.v1.js';
import { createEnvelope } from './envelope.js';
import { orderConfirmedV2 } from './orders/order-confirmed.v2.js';
import { ContractRegistry } from './registry.js';
import { userRegisteredV1 } from './users/user-registered.v1.js';

/** A `delivery.shipment-changed@1` payload as first shipped, before `partnerName`/`previousStatus`. */
const shipmentChange = {
  shipmentId: 's-1',
  orderId: 'o-1',
  customerId: 'u-1',
  sequence: 1,
  change: 'assigned' as const,
  status: 'ASSIGNED' as const,
  partnerId: 'p-1',
  partnerUserId: 'pu-1',
  previousPartnerId: null,
  previousPartnerUserId: null,
  position: null,
  reason: null,
  trackingCode: 'TRK-1',
  at: '2026-12-01T10:00:00.000Z',
};

describe('contracts the emails read', () => {
  it('order-confirmed@2 refuses a payload without the customer contact', () => {
    assert.throws(() =>
      createEnvelope(orderConfirmedV2, {
        key: 'o-1',
        source: 'orders',
        data: { orderId: 'o-1' } as never,
      }),
    );
  });

  it('shipment-changed@1 decodes payloads without the partner name and previous status (additive)', () => {
    const registry = new ContractRegistry([shipmentChangedV1]);
    const old = createEnvelope(shipmentChangedV1, {
      key: 'o-1',
      source: 'delivery',
      data: shipmentChange,
    });
    const decoded = registry.decode(JSON.stringify(old)).envelope.data;
    assert.equal(decoded.partnerName, undefined);
    assert.equal(decoded.previousStatus, undefined);
    const now = createEnvelope(shipmentChangedV1, {
      key: 'o-1',
      source: 'delivery',
      data: { ...shipmentChange, partnerName: 'Grace', previousStatus: 'PENDING' },
    });
    assert.equal(registry.decode(JSON.stringify(now)).envelope.data.partnerName, 'Grace');
    assert.throws(() =>
      createEnvelope(shipmentChangedV1, {
        key: 'o-1',
        source: 'delivery',
        data: { ...shipmentChange, previousStatus: 'OUT_FOR_DELIVERY' as never },
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
