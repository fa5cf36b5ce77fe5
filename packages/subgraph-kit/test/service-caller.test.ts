import 'reflect-metadata';
import assert from 'node:assert/strict';
import { createPublicKey } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { createLogger } from '@shop/platform';
import {
  parseServiceKeys,
  SERVICE_TOKEN_HEADER,
  ServiceClient,
  ServiceSigner,
} from '@shop/service-client';
import { parse } from 'graphql';
import { exportJWK, generateKeyPair, importJWK, SignJWT, type JWK } from 'jose';
import { Ctx, Query, Resolver } from 'type-graphql';
import { buildFederatedSchema } from '../src/build-subgraph-schema.js';
import { resolverContainer } from '../src/composition.js';
import {
  startSubgraphServer,
  type BaseSubgraphContext,
  type RunningSubgraph,
} from '../src/server.js';
import { gql, proofMinter, TEST_GATEWAY_PROOF_KEY } from '../src/testing.js';

async function keyPair(): Promise<{ privateJwk: JWK; publicJwk: JWK }> {
  const pair = await generateKeyPair('EdDSA', { crv: 'Ed25519', extractable: true });
  return {
    privateJwk: await exportJWK(pair.privateKey),
    publicJwk: await exportJWK(pair.publicKey),
  };
}
const doc = <R>(text: string) =>
  parse(text) as unknown as TypedDocumentNode<R, Record<string, never>>;

@Resolver()
class WhoResolver {
  @Query(() => String)
  who(@Ctx() ctx: BaseSubgraphContext): string {
    return `${ctx.identity.service ?? '-'}:${ctx.identity.userId ?? '-'}:${ctx.requestId}`;
  }
}

describe('a subgraph verifies the calling service', () => {
  let catalog: RunningSubgraph;
  let cartKeys: { privateJwk: JWK; publicJwk: JWK };
  let ordersKeys: { privateJwk: JWK; publicJwk: JWK };
  const Who = doc<{ who: string }>('query Who { who }');

  before(async () => {
    cartKeys = await keyPair();
    ordersKeys = await keyPair();
    catalog = await startSubgraphServer({
      name: 'catalog',
      schema: await buildFederatedSchema({
        resolvers: [WhoResolver],
        container: resolverContainer(new WhoResolver()),
      }),
      logger: createLogger('catalog', 'silent'),
      checks: {},
      gatewayProofKey: createPublicKey(TEST_GATEWAY_PROOF_KEY),
      serviceKeys: parseServiceKeys(
        JSON.stringify({ cart: cartKeys.publicJwk, orders: ordersKeys.publicJwk }),
      ),
      production: false,
      createContext: (base) => base,
    });
  });
  after(async () => {
    await catalog?.close();
  });

  it('accepts cart’s token as a service principal, not a user', async () => {
    const signer = await ServiceSigner.fromJwk('cart', cartKeys.privateJwk);
    const client = new ServiceClient({ callee: 'catalog', url: catalog.url, signer });
    const { who } = await client.call(Who);
    assert.match(who, /^cart:-:/);
    // A user proof still works beside it.
    const res = await gql<{ who: string }>(
      catalog.url,
      '{ who }',
      {},
      await proofMinter('catalog')({ sub: 'u1' }),
    );
    assert.match(res.data?.who ?? '', /^-:u1:/);
  });

  it('refuses a wrong audience, a forged key, an unknown service and a borrowed subject', async () => {
    const cart = await ServiceSigner.fromJwk('cart', cartKeys.privateJwk);
    const forger = await keyPair();
    const forged = await ServiceSigner.fromJwk('cart', forger.privateJwk);
    const stranger = await ServiceSigner.fromJwk('delivery', forger.privateJwk);
    const borrowed = await new SignJWT({})
      .setProtectedHeader({ alg: 'EdDSA', kid: 'orders' })
      .setSubject('service:cart')
      .setAudience('catalog')
      .setIssuedAt()
      .setExpirationTime('60s')
      .sign(await importJWK({ ...ordersKeys.privateJwk, alg: 'EdDSA' }, 'EdDSA'));
    const tokens = {
      'wrong audience': await cart.tokenFor('orders'),
      'forged key': await forged.tokenFor('catalog'),
      'unknown service': await stranger.tokenFor('catalog'),
      'borrowed subject': borrowed,
      garbage: 'not-a-token',
    };
    for (const [label, token] of Object.entries(tokens)) {
      const res = await fetch(catalog.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', [SERVICE_TOKEN_HEADER]: token },
        body: JSON.stringify({ query: '{ who }' }),
      });
      assert.equal(res.status, 401, label);
      const body = (await res.json()) as { errors: { extensions: { code: string } }[] };
      assert.equal(body.errors[0]?.extensions.code, 'UNAUTHENTICATED', label);
    }
    // A valid token passes, so the refusals above are about the token, not the route.
    const ok = new ServiceClient({ callee: 'catalog', url: catalog.url, signer: cart });
    assert.match((await ok.call(Who)).who, /^cart:/);
  });
});
