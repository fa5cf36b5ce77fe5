export { startCatalogApp, type CatalogApp } from './app.js';
export { catalogConfigSchema, type CatalogConfig } from './config.js';
export type { Product } from './domain/product.js';
export { buildCatalogSchema } from './schema.js';
export { seedProducts } from './seed/seed-products.js';
