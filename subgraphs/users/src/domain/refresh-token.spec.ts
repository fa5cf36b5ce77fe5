import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { judgeRefresh } from './refresh-token.js';

const now = new Date('2026-01-01T00:00:00Z');
const later = new Date('2026-01-02T00:00:00Z');

describe('judgeRefresh', () => {
  it('rotates a fresh token', () => {
    assert.equal(judgeRefresh({ expiresAt: later, usedAt: null, revokedAt: null }, now), 'rotate');
  });
  it('treats a second use as reuse, even before expiry', () => {
    assert.equal(
      judgeRefresh({ expiresAt: later, usedAt: now, revokedAt: null }, now),
      'reuse-detected',
    );
  });
  it('refuses revoked before anything else', () => {
    assert.equal(judgeRefresh({ expiresAt: later, usedAt: now, revokedAt: now }, now), 'revoked');
  });
  it('refuses an expired token', () => {
    assert.equal(judgeRefresh({ expiresAt: now, usedAt: null, revokedAt: null }, now), 'expired');
  });
});
