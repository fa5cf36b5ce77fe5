import type { Logger } from '@shop/platform';
import type { Product } from '../domain/product.js';
import type { ProductsRepository } from '../persistence/products.repository.js';
import { superstoreProducts } from './superstore.js';
import { syntheticProducts } from './synthetic.js';

/**
 * Loads the sample catalog, plus `synthetic` generated products, skipping those already stored
 * (idempotent). Returns how many were new. No events are written: the caller reindexes.
 */
export async function loadSampleCatalog(
  products: ProductsRepository,
  logger: Logger,
  synthetic = 0,
): Promise<number> {
  const sample = superstoreProducts();
  let added = await products.insertMissing(sample);
  let batch: Product[] = [];
  for (const p of syntheticProducts(sample, synthetic)) {
    batch.push(p);
    if (batch.length === 500) {
      added += await products.insertMissing(batch);
      batch = [];
    }
  }
  added += await products.insertMissing(batch);
  logger.info({ sample: sample.length, synthetic, added }, 'sample catalog loaded');
  return added;
}
