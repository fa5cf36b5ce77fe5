import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { canViewShipment } from './shipment.js';

describe('canViewShipment', () => {
  const shipment = { customerId: 'c1', partnerUserId: 'p1' };
  it('shows a shipment to its customer, its partner and admins only', () => {
    assert.equal(canViewShipment({ userId: 'c1', roles: ['customer'] }, shipment), true);
    assert.equal(canViewShipment({ userId: 'p1', roles: ['partner'] }, shipment), true);
    assert.equal(canViewShipment({ userId: 'x', roles: ['admin'] }, shipment), true);
    assert.equal(canViewShipment({ userId: 'p2', roles: ['partner'] }, shipment), false);
    assert.equal(canViewShipment({ userId: 'c2', roles: ['customer'] }, shipment), false);
    assert.equal(canViewShipment({ roles: [] }, { customerId: 'c1', partnerUserId: null }), false);
  });
});
