import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ForbiddenError, UnauthenticatedError } from '@shop/platform';
import { assertCanViewShipment, canViewShipment } from './delivery.service.js';

describe('canViewShipment / assertCanViewShipment', () => {
  const shipment = { customerId: 'c1', partnerUserId: 'p1' };
  it('shows a shipment to its customer, its partner and admins only', () => {
    assert.equal(canViewShipment({ userId: 'c1', roles: ['customer'] }, shipment), true);
    assert.equal(canViewShipment({ userId: 'p1', roles: ['partner'] }, shipment), true);
    assert.equal(canViewShipment({ userId: 'x', roles: ['admin'] }, shipment), true);
    assert.equal(canViewShipment({ userId: 'p2', roles: ['partner'] }, shipment), false);
    assert.equal(canViewShipment({ userId: 'c2', roles: ['customer'] }, shipment), false);
    assert.equal(canViewShipment({ roles: [] }, { customerId: 'c1', partnerUserId: null }), false);
  });
  it('refuses anonymous callers with UNAUTHENTICATED and other users with FORBIDDEN', () => {
    assert.throws(() => assertCanViewShipment({ roles: [] }, shipment), UnauthenticatedError);
    assert.throws(
      () => assertCanViewShipment({ userId: 'c2', roles: ['customer'] }, shipment),
      ForbiddenError,
    );
    assertCanViewShipment({ userId: 'p1', roles: ['partner'] }, shipment);
  });
});
