import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import type { UserRole } from '../domain/role.js';

export const UserEntity = defineEntity({
  name: 'UserEntity',
  tableName: 'users',
  properties: {
    id: p.string().length(36).primary(),
    email: p.string().length(254).unique(),
    passwordHash: p.string().length(100),
    roles: p.json<UserRole[]>(),
    createdAt: p.datetime(3),
  },
});
export type UserRecord = InferEntity<typeof UserEntity>;
