// `npm run seed -w subgraphs/catalog [-- --synthetic N]`: loads the superstore sample catalog
// (plus N generated products) into MongoDB, skipping products that exist, then rebuilds the
// search index. Idempotent: a second run adds nothing and leaves the same index content.
import { parseArgs } from 'node:util';
import { createLogger, loadConfig } from '@shop/platform';
import { startCatalogApp } from './app.js';
import { catalogConfigSchema } from './config.js';
import { ProductsRepository } from './persistence/products.repository.js';
import { loadSampleCatalog } from './seed/load-sample.js';

const { values } = parseArgs({
  options: { synthetic: { type: 'string', default: '0' } },
});
const synthetic = Number(values.synthetic);
if (!Number.isInteger(synthetic) || synthetic < 0 || synthetic > 10_000_000) {
  console.error('--synthetic must be a whole number from 0 to 10000000');
  process.exit(64);
}
const config = loadConfig(catalogConfigSchema, {
  ...process.env,
  PORT: '0',
  CATALOG_RELAY: 'false',
  CATALOG_INDEXER: 'false',
  SEED_SAMPLE_WHEN_EMPTY: 'false',
});
const logger = createLogger('catalog-seed', config.LOG_LEVEL);
const app = await startCatalogApp(config, logger);
try {
  const products = new ProductsRepository(app.mongo.db(config.MONGODB_DATABASE));
  const added = await loadSampleCatalog(products, logger, synthetic);
  const report = await app.reindexer.reindex();
  console.log(
    `seeded: ${added} new products; index ${report.index}: ${report.documents} documents in ${report.seconds.toFixed(1)} s (${report.docsPerSecond} docs/s)`,
  );
} finally {
  await app.close();
}
