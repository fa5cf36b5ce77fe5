import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SignJWT, UnsecuredJWT } from 'jose';
import { InvalidGatewayProofError, verifyGatewayProof } from './gateway-proof.js';

const SECRET = 'unit-test-gateway-proof-secret-0123456789';
const key = (s: string) => new TextEncoder().encode(s);
const proof = (
  claims: Record<string, unknown>,
  opts: { secret?: string; iss?: string; exp?: number | string; iat?: number } = {},
) =>
  new SignJWT(claims)
    .setProtectedHeader({ alg: 'HS256' })
    .setIssuer(opts.iss ?? 'shop-gateway')
    .setAudience('shop-subgraphs')
    .setIssuedAt(opts.iat)
    .setExpirationTime(opts.exp ?? '60s')
    .sign(key(opts.secret ?? SECRET));

describe('verifyGatewayProof', () => {
  it('returns the identity of an authenticated caller', async () => {
    const identity = await verifyGatewayProof(
      await proof({ sub: 'u1', roles: ['customer', 'admin'], rid: 'req-12345678' }),
      SECRET,
    );
    assert.deepEqual(identity, { userId: 'u1', roles: ['customer', 'admin'] });
  });

  it('treats a proof without sub as anonymous, whatever roles it claims', async () => {
    assert.deepEqual(await verifyGatewayProof(await proof({ roles: ['admin'] }), SECRET), {
      roles: [],
    });
  });

  it('refuses a proof issued more than 90 s ago even when its exp is far ahead', async () => {
    const now = Math.floor(Date.now() / 1000);
    const old = await proof({ sub: 'u1' }, { iat: now - 120, exp: now + 3600 });
    await assert.rejects(verifyGatewayProof(old, SECRET), InvalidGatewayProofError);
    const recent = await proof({ sub: 'u1' }, { iat: now - 30, exp: now + 30 });
    assert.equal((await verifyGatewayProof(recent, SECRET)).userId, 'u1');
  });

  it('rejects missing, unsigned, forged, expired, foreign and role-less-garbage proofs', async () => {
    const bad = [
      undefined,
      '',
      'abc.def.ghi',
      new UnsecuredJWT({ sub: 'u1' })
        .setIssuer('shop-gateway')
        .setAudience('shop-subgraphs')
        .setExpirationTime('60s')
        .encode(),
      await proof({ sub: 'u1' }, { secret: 'some-other-secret-that-is-long-enough' }),
      await proof({ sub: 'u1' }, { exp: Math.floor(Date.now() / 1000) - 60 }),
      await proof({ sub: 'u1' }, { iss: 'shop-users' }),
      await proof({ sub: 'u1', roles: ['root'] }),
      await proof({ sub: 'u1', roles: 'admin' }),
    ];
    for (const token of bad) {
      await assert.rejects(
        verifyGatewayProof(token, SECRET),
        InvalidGatewayProofError,
        String(token),
      );
    }
  });
});
