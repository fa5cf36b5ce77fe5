export {
  JWKS_PATH,
  promotionOf,
  startUsersApp,
  type UsersApp,
  type UsersAppOverrides,
} from './app.js';
export { usersConfigSchema, type UsersConfig } from './config.js';
export { USER_ROLES, type UserRole } from './domain/role.js';
export { createUsersOrm } from './persistence/orm.js';
export { buildUsersSchema } from './schema.js';
export { seedUsers, type UserSeed } from './seed.js';
export { randomCouponCodes, type CouponCodes } from './service/coupon-codes.js';
