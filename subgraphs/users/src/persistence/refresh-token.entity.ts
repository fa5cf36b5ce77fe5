import { defineEntity, p, type InferEntity } from '@mikro-orm/core';

/** Only the SHA-256 of a refresh token is stored; a family is every token from one login. */
export const RefreshTokenEntity = defineEntity({
  name: 'RefreshTokenEntity',
  tableName: 'refresh_tokens',
  properties: {
    id: p.string().length(36).primary(),
    userId: p.string().length(36).index(),
    familyId: p.string().length(36).index(),
    tokenHash: p.string().length(64).unique(),
    expiresAt: p.datetime(3).index(),
    /** When the login that started the family happened: the absolute lifetime counts from it. */
    familyCreatedAt: p.datetime(3).index(),
    usedAt: p.datetime(3).nullable(),
    revokedAt: p.datetime(3).nullable(),
    createdAt: p.datetime(3),
  },
});
export type RefreshTokenRecord = InferEntity<typeof RefreshTokenEntity>;
