import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { planRevocation } from './signing-key.js';

const t = new Date('2026-01-01T00:00:00Z');

describe('planRevocation', () => {
  it('revokes the active key and replaces it', () => {
    assert.deepEqual(planRevocation({ retiredAt: null, revokedAt: null }), {
      kind: 'revoke',
      replaceActive: true,
    });
  });
  it('revokes a retired key that is still published without touching the active one', () => {
    assert.deepEqual(planRevocation({ retiredAt: t, revokedAt: null }), {
      kind: 'revoke',
      replaceActive: false,
    });
  });
  it('is idempotent and tells an unknown kid apart', () => {
    assert.deepEqual(planRevocation({ retiredAt: t, revokedAt: t }), { kind: 'already-revoked' });
    assert.deepEqual(planRevocation(null), { kind: 'unknown' });
  });
});
