import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { GATEWAY_PROOF_AUDIENCE, GATEWAY_PROOF_ISSUER } from '@shop/platform';
import { jwtVerify } from 'jose';
import { createProofSigner } from './use-gateway-proof.js';

const secret = 'unit-test-gateway-proof-secret-32-chars-min';
const key = new TextEncoder().encode(secret);
const verify = (token: string, k = key) =>
  jwtVerify(token, k, {
    algorithms: ['HS256'],
    issuer: GATEWAY_PROOF_ISSUER,
    audience: GATEWAY_PROOF_AUDIENCE,
  });

describe('gateway proof signer', () => {
  it('produces an HS256 JWS that jose verifies, with sub, roles and rid', async () => {
    const token = createProofSigner({ secret })(
      { sub: 'u-1', roles: ['customer'] },
      'req-12345678',
    );
    const { payload, protectedHeader } = await verify(token);
    assert.equal(protectedHeader.alg, 'HS256');
    assert.equal(payload.sub, 'u-1');
    assert.deepEqual(payload.roles, ['customer']);
    assert.equal(payload.rid, 'req-12345678');
    assert.equal((payload.exp ?? 0) - (payload.iat ?? 0), 60);
  });

  it('anonymous proofs carry no sub; another secret does not verify', async () => {
    const token = createProofSigner({ secret })(undefined, 'req-12345678');
    const { payload } = await verify(token);
    assert.equal(payload.sub, undefined);
    await assert.rejects(verify(token, new TextEncoder().encode(`${secret}-other`)));
  });
});
