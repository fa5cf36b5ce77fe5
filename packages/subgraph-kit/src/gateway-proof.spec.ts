import assert from 'node:assert/strict';
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { describe, it } from 'node:test';
import { SignJWT, UnsecuredJWT } from 'jose';
import { InvalidGatewayProofError, verifyGatewayProof } from './gateway-proof.js';

const gateway = generateKeyPairSync('ed25519');
const PUBLIC = gateway.publicKey;
/** The HS256 secret every process shared before proofs were signed with the gateway's key. */
const OLD_SHARED_SECRET = 'dev-only-gateway-proof-secret-change-me-please';

const proof = (
  claims: Record<string, unknown>,
  opts: {
    key?: KeyObject | Uint8Array;
    alg?: string;
    aud?: string;
    iss?: string;
    exp?: number | string;
    iat?: number;
  } = {},
) =>
  new SignJWT(claims)
    .setProtectedHeader({ alg: opts.alg ?? 'EdDSA' })
    .setIssuer(opts.iss ?? 'shop-gateway')
    .setAudience(opts.aud ?? 'users')
    .setIssuedAt(opts.iat)
    .setExpirationTime(opts.exp ?? '30s')
    .sign(opts.key ?? gateway.privateKey);

const refused = async (token: string | undefined, audience = 'users'): Promise<void> => {
  await assert.rejects(
    verifyGatewayProof(token, PUBLIC, audience),
    InvalidGatewayProofError,
    String(token),
  );
};

describe('verifyGatewayProof', () => {
  it('returns the identity of an authenticated caller', async () => {
    const identity = await verifyGatewayProof(
      await proof({ sub: 'u1', roles: ['customer', 'admin'], rid: 'req-12345678' }),
      PUBLIC,
      'users',
    );
    assert.deepEqual(identity, { userId: 'u1', roles: ['customer', 'admin'] });
  });

  it('treats a proof without sub as anonymous, whatever roles it claims', async () => {
    assert.deepEqual(await verifyGatewayProof(await proof({ roles: ['admin'] }), PUBLIC, 'users'), {
      roles: [],
    });
  });

  it('refuses a proof signed by another key (a subgraph cannot mint proofs)', async () => {
    const other = generateKeyPairSync('ed25519').privateKey;
    await refused(await proof({ sub: 'u1', roles: ['admin'] }, { key: other }));
  });

  it('refuses a proof addressed to another subgraph: one for users is refused by cart', async () => {
    const forUsers = await proof({ sub: 'u1', roles: ['admin'] }, { aud: 'users' });
    assert.equal((await verifyGatewayProof(forUsers, PUBLIC, 'users')).userId, 'u1');
    await refused(forUsers, 'cart');
  });

  // jose accepts an `aud` array that contains the audience: one proof would then open several
  // subgraphs. The gateway never signs one, so refusing it costs nothing and keeps a future
  // signer bug from turning one proof into a pass for every subgraph it names.
  it('refuses an audience array, even one that names this subgraph', async () => {
    const token = await new SignJWT({ sub: 'u1', roles: ['admin'] })
      .setProtectedHeader({ alg: 'EdDSA' })
      .setIssuer('shop-gateway')
      .setAudience(['cart', 'users'])
      .setIssuedAt()
      .setExpirationTime('30s')
      .sign(gateway.privateKey);
    await refused(token, 'users');
    await refused(token, 'cart');
  });

  it('refuses an HS256 proof made with the old shared secret', async () => {
    const secret = new TextEncoder().encode(OLD_SHARED_SECRET);
    await refused(await proof({ sub: 'u1', roles: ['admin'] }, { key: secret, alg: 'HS256' }));
    // nor any algorithm but EdDSA, even one the same key could verify (RFC 9864's Ed25519)
    await refused(await proof({ sub: 'u1' }, { alg: 'Ed25519' }));
    // nor with the public key's bytes as an HMAC secret (the classic algorithm confusion)
    const spki = PUBLIC.export({ type: 'spki', format: 'pem' });
    await refused(
      await proof({ sub: 'u1' }, { key: new TextEncoder().encode(spki.toString()), alg: 'HS256' }),
    );
  });

  it('refuses an expired proof, and one issued more than 35 s ago whatever its exp says', async () => {
    const now = Math.floor(Date.now() / 1000);
    await refused(await proof({ sub: 'u1' }, { iat: now - 60, exp: now - 20 }));
    await refused(await proof({ sub: 'u1' }, { iat: now - 40, exp: now + 3600 }));
    // 5 s of clock skew are tolerated
    const recent = await proof({ sub: 'u1' }, { iat: now - 28, exp: now - 2 });
    assert.equal((await verifyGatewayProof(recent, PUBLIC, 'users')).userId, 'u1');
  });

  it('rejects missing, unsigned, malformed, foreign-issuer and role-less-garbage proofs', async () => {
    const bad = [
      undefined,
      '',
      'abc.def.ghi',
      new UnsecuredJWT({ sub: 'u1' })
        .setIssuer('shop-gateway')
        .setAudience('users')
        .setExpirationTime('30s')
        .encode(),
      await proof({ sub: 'u1' }, { iss: 'shop-users' }),
      await proof({ sub: 'u1', roles: ['root'] }),
      await proof({ sub: 'u1', roles: 'admin' }),
    ];
    for (const token of bad) await refused(token);
  });
});
