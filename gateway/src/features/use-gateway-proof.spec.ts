import assert from 'node:assert/strict';
import { createPublicKey, generateKeyPairSync } from 'node:crypto';
import { describe, it } from 'node:test';
import { createLogger, GATEWAY_PROOF_ISSUER } from '@shop/platform';
import { decodeJwt, jwtVerify } from 'jose';
import type { GatewayContext } from '../gateway-feature.js';
import { createProofSigner, PROOF_HEADER, useGatewayProof } from './use-gateway-proof.js';

const { privateKey, publicKey } = generateKeyPairSync('ed25519');
const verify = (token: string, audience: string, key = publicKey) =>
  jwtVerify(token, key, { algorithms: ['EdDSA'], issuer: GATEWAY_PROOF_ISSUER, audience });

describe('gateway proof signer', () => {
  it('produces an EdDSA JWS for one subgraph that jose verifies with the public key', async () => {
    const { token } = createProofSigner({ privateKey })(
      { sub: 'u-1', roles: ['customer'], expiresAt: Infinity },
      'req-12345678',
      'users',
    );
    const { payload, protectedHeader } = await verify(token, 'users');
    assert.equal(protectedHeader.alg, 'EdDSA');
    assert.equal(payload.aud, 'users');
    assert.equal(payload.sub, 'u-1');
    assert.deepEqual(payload.roles, ['customer']);
    assert.equal(payload.rid, 'req-12345678');
    assert.equal((payload.exp ?? 0) - (payload.iat ?? 0), 30);
    await assert.rejects(verify(token, 'cart'), /aud/);
  });

  it('anonymous proofs carry no sub; another key does not verify', async () => {
    const { token } = createProofSigner({ privateKey })(undefined, 'req-12345678', 'cart');
    assert.equal((await verify(token, 'cart')).payload.sub, undefined);
    const other = createPublicKey(generateKeyPairSync('ed25519').privateKey);
    await assert.rejects(verify(token, 'cart', other));
  });

  it('refuses a key that is not an Ed25519 private key', () => {
    assert.throws(() => createProofSigner({ privateKey: publicKey }), /Ed25519 private key/);
    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
    assert.throws(() => createProofSigner({ privateKey: rsa }), /Ed25519 private key/);
  });
});

describe('useGatewayProof', () => {
  const feature = useGatewayProof({ privateKey });
  const send = async (subgraph: string, context: GatewayContext): Promise<string> => {
    const headers = new Headers({ [PROOF_HEADER]: 'forged', 'x-user-id': 'admin' });
    await feature.onSubgraphRequest?.({
      subgraph,
      request: { http: { headers, method: 'POST', url: 'http://x' } },
      context,
    });
    assert.equal(headers.get('x-user-id'), null);
    return headers.get(PROOF_HEADER) ?? '';
  };
  const context = (): GatewayContext => ({
    requestId: 'req-1',
    clientIp: '127.0.0.1',
    identity: { sub: 'u-1', roles: ['admin'], expiresAt: Infinity },
    logger: createLogger('test', 'silent'),
  });

  it('addresses each subgraph its own proof and reuses it for that subgraph within the request', async () => {
    const ctx = context();
    const users = await send('users', ctx);
    const cart = await send('cart', ctx);
    assert.equal(decodeJwt(users).aud, 'users');
    assert.equal(decodeJwt(cart).aud, 'cart');
    assert.equal(await send('users', ctx), users);
    assert.equal((await verify(cart, 'cart')).payload.sub, 'u-1');
  });

  it('signs afresh once a third of the lifetime has passed, so a slow plan never sends a stale proof', async () => {
    const ctx = context();
    await send('users', ctx);
    const stored = ctx.proofs?.get('users');
    assert.ok(stored !== undefined);
    // as if it had been signed 10 s ago (a third of the 30 s lifetime)
    ctx.proofs?.set('users', { token: 'stale', iat: stored.iat - 10 });
    const again = await send('users', ctx);
    assert.notEqual(again, 'stale');
    assert.ok((decodeJwt(again).iat ?? 0) >= stored.iat);
  });
});
