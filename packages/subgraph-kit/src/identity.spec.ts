import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ForbiddenError, UnauthenticatedError } from '@shop/platform';
import { assertSelfOrAdmin, isSelfOrAdmin, type Identity } from './identity.js';

const anonymous: Identity = { roles: [] };
const owner: Identity = { userId: 'u1', roles: ['customer'] };
const other: Identity = { userId: 'u2', roles: ['customer'] };
const admin: Identity = { userId: 'a1', roles: ['admin'] };

describe('isSelfOrAdmin / assertSelfOrAdmin', () => {
  it('lets the owner and admins through', () => {
    assert.equal(isSelfOrAdmin(owner, 'u1'), true);
    assert.equal(isSelfOrAdmin(admin, 'u1'), true);
    assertSelfOrAdmin(owner, 'u1', 'this cart');
    assertSelfOrAdmin(admin, 'u1', 'this cart');
  });

  it('refuses an anonymous caller with UNAUTHENTICATED', () => {
    assert.equal(isSelfOrAdmin(anonymous, 'u1'), false);
    assert.throws(
      () => assertSelfOrAdmin(anonymous, 'u1', 'this cart'),
      (err) => err instanceof UnauthenticatedError && err.code === 'UNAUTHENTICATED',
    );
  });

  it('refuses another customer with FORBIDDEN', () => {
    assert.equal(isSelfOrAdmin(other, 'u1'), false);
    assert.throws(
      () => assertSelfOrAdmin(other, 'u1', 'this cart'),
      (err) => err instanceof ForbiddenError && err.code === 'FORBIDDEN',
    );
  });
});
