import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  judgeRefresh,
  prunableBefore,
  refreshTokenExpiresAt,
  type RefreshTokenPolicy,
} from './refresh-token.js';

const now = new Date('2026-01-01T00:00:00Z');
const later = new Date('2026-01-02T00:00:00Z');
const day = 86_400_000;
const policy: RefreshTokenPolicy = { ttlSeconds: 30 * 86_400, maxFamilyAgeSeconds: 90 * 86_400 };
const fresh = { expiresAt: later, familyCreatedAt: now, usedAt: null, revokedAt: null };

describe('judgeRefresh', () => {
  it('rotates a fresh token', () => {
    assert.equal(judgeRefresh(fresh, now, policy), 'rotate');
  });
  it('treats a second use as reuse, even before expiry', () => {
    assert.equal(judgeRefresh({ ...fresh, usedAt: now }, now, policy), 'reuse-detected');
  });
  it('refuses revoked before anything else', () => {
    assert.equal(judgeRefresh({ ...fresh, usedAt: now, revokedAt: now }, now, policy), 'revoked');
  });
  it('refuses an expired token', () => {
    assert.equal(judgeRefresh({ ...fresh, expiresAt: now }, now, policy), 'expired');
  });
  it('refuses a token of a family past its absolute lifetime, however fresh the token', () => {
    const familyCreatedAt = new Date(now.getTime() - 90 * day);
    const token = { ...fresh, familyCreatedAt, expiresAt: new Date(now.getTime() + 29 * day) };
    assert.equal(judgeRefresh(token, now, policy), 'expired');
    const justInside = { ...token, familyCreatedAt: new Date(familyCreatedAt.getTime() + 1) };
    assert.equal(judgeRefresh(justInside, now, policy), 'rotate');
  });
});

describe('refresh token lifetime', () => {
  it('slides by the ttl while the family is young', () => {
    assert.equal(refreshTokenExpiresAt(now, now, policy).getTime(), now.getTime() + 30 * day);
  });
  it('never slides past the family end: rotating every day ends the session after 90 days', () => {
    const familyCreatedAt = new Date(now.getTime() - 80 * day);
    assert.equal(
      refreshTokenExpiresAt(familyCreatedAt, now, policy).getTime(),
      now.getTime() + 10 * day,
    );
  });
  it('prunes rows past their own expiry or past the family lifetime', () => {
    assert.deepEqual(prunableBefore(now, policy), {
      expiresAt: now,
      familyCreatedAt: new Date(now.getTime() - 90 * day),
    });
  });
});
