export { startCartApp, type CartApp } from './app.js';
export { cartConfigSchema, DEV_CART_SIGNING_KEY, type CartConfig } from './config.js';
export { createCartOrm } from './persistence/orm.js';
export { buildCartSchema } from './schema.js';
export { seedCarts } from './seed.js';
