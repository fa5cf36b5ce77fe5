import assert from 'node:assert/strict';
import { createPublicKey, generateKeyPairSync } from 'node:crypto';
import { describe, it } from 'node:test';
import { createLogger, GATEWAY_PROOF_ISSUER } from '@shop/platform';
import { decodeJwt, jwtVerify } from 'jose';
import type { GatewayContext, VerifiedToken } from '../gateway-feature.js';
import { createProofSigner, PROOF_HEADER, useGatewayProof } from './use-gateway-proof.js';

const { privateKey, publicKey } = generateKeyPairSync('ed25519');
const verify = (token: string, audience: string, key = publicKey) =>
  jwtVerify(token, key, { algorithms: ['EdDSA'], issuer: GATEWAY_PROOF_ISSUER, audience });

describe('gateway proof signer', () => {
  it('produces an EdDSA JWS for one subgraph that jose verifies with the public key', async () => {
    const { token } = createProofSigner({ privateKey })(
      { sub: 'u-1', roles: ['customer'], expiresAt: Infinity },
      'users',
    );
    const { payload, protectedHeader } = await verify(token, 'users');
    assert.equal(protectedHeader.alg, 'EdDSA');
    assert.equal(payload.aud, 'users');
    assert.equal(payload.sub, 'u-1');
    assert.deepEqual(payload.roles, ['customer']);
    assert.deepEqual(Object.keys(payload).sort(), ['aud', 'exp', 'iat', 'iss', 'roles', 'sub']);
    assert.equal((payload.exp ?? 0) - (payload.iat ?? 0), 30);
    await assert.rejects(verify(token, 'cart'), /aud/);
  });

  it('anonymous proofs carry no sub; another key does not verify', async () => {
    const { token } = createProofSigner({ privateKey })(undefined, 'cart');
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
  const send = async (
    feature: ReturnType<typeof useGatewayProof>,
    subgraph: string,
    context: GatewayContext,
  ): Promise<string> => {
    const headers = new Headers({ [PROOF_HEADER]: 'forged', 'x-user-id': 'admin' });
    await feature.onSubgraphRequest?.({
      subgraph,
      request: { http: { headers, method: 'POST', url: 'http://x' } },
      context,
    });
    assert.equal(headers.get('x-user-id'), null);
    assert.equal(headers.get('x-request-id'), context.requestId);
    return headers.get(PROOF_HEADER) ?? '';
  };
  const context = (identity: VerifiedToken | undefined, requestId = 'req-1'): GatewayContext => ({
    requestId,
    clientIp: '127.0.0.1',
    identity,
    logger: createLogger('test', 'silent'),
  });
  const admin = (): VerifiedToken => ({ sub: 'u-1', roles: ['admin'], expiresAt: Infinity });

  it('addresses each subgraph its own proof and reuses it across the same caller’s requests', async () => {
    const feature = useGatewayProof({ privateKey });
    const token = admin();
    const users = await send(feature, 'users', context(token));
    const cart = await send(feature, 'cart', context(token));
    assert.equal(decodeJwt(users).aud, 'users');
    assert.equal(decodeJwt(cart).aud, 'cart');
    assert.equal(await send(feature, 'users', context(token, 'req-2')), users);
    assert.equal((await verify(cart, 'cart')).payload.sub, 'u-1');
  });

  it('never gives one caller’s proof to another, nor a signed-in caller’s to an anonymous one', async () => {
    const feature = useGatewayProof({ privateKey });
    const first = await send(feature, 'users', context(admin()));
    // Another verified token (another object, even with the same claims) gets its own proof.
    const customer: VerifiedToken = { sub: 'u-2', roles: ['customer'], expiresAt: Infinity };
    const other = await send(feature, 'users', context(customer));
    assert.notEqual(other, first);
    assert.equal((await verify(other, 'users')).payload.sub, 'u-2');
    assert.deepEqual((await verify(other, 'users')).payload.roles, ['customer']);
    const anonymous = await send(feature, 'users', context(undefined));
    assert.equal((await verify(anonymous, 'users')).payload.sub, undefined);
    assert.equal((await verify(anonymous, 'users')).payload.roles, undefined);
    assert.equal(await send(feature, 'users', context(undefined, 'req-9')), anonymous);
  });

  it('signs afresh once a third of the lifetime has passed, so no request sends a stale proof', async (t) => {
    t.mock.timers.enable({ apis: ['Date'], now: Date.now() });
    const feature = useGatewayProof({ privateKey });
    const token = admin();
    const first = await send(feature, 'users', context(token));
    t.mock.timers.tick(9_000);
    assert.equal(await send(feature, 'users', context(token)), first);
    t.mock.timers.tick(1_000); // 10 s: a third of the 30 s lifetime
    const again = await send(feature, 'users', context(token));
    assert.notEqual(again, first);
    assert.equal((decodeJwt(again).iat ?? 0) - (decodeJwt(first).iat ?? 0), 10);
  });
});
