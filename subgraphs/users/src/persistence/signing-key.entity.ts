import { defineEntity, p, type InferEntity } from '@mikro-orm/core';

/**
 * An RS256 key pair as JWKs. The newest key without `retiredAt` signs; a retired key stays in
 * the JWKS until every token it signed has expired; a revoked key leaves it at once.
 * `privateJwk` is sealed with the key-encryption key (KeyEncryption); rows written before that
 * hold the plaintext JWK until the service seals them at start.
 */
export const SigningKeyEntity = defineEntity({
  name: 'SigningKeyEntity',
  tableName: 'signing_keys',
  properties: {
    kid: p.string().length(64).primary(),
    privateJwk: p.text(),
    publicJwk: p.text(),
    createdAt: p.datetime(3),
    retiredAt: p.datetime(3).nullable(),
    revokedAt: p.datetime(3).nullable(),
  },
});
export type SigningKeyRecord = InferEntity<typeof SigningKeyEntity>;
