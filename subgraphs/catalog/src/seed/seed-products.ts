import { MongoClient } from 'mongodb';
import { newProduct, type ProductDraft } from '../domain/product.js';
import { ProductsRepository } from '../persistence/products.repository.js';

/**
 * Test and demo data for a catalog that has not started yet: writes products straight into the
 * catalog database (created or replaced, no events: the search index and the product cache do
 * not learn of them). Once a catalog runs, seed through its `CatalogService.upsert`, which
 * refreshes the product cache. `sku` defaults to the id.
 */
export async function seedProducts(
  mongoUrl: string,
  database: string,
  products: readonly (Omit<ProductDraft, 'sku'> & { sku?: string })[],
): Promise<void> {
  const client = new MongoClient(mongoUrl, { serverSelectionTimeoutMS: 5000 });
  try {
    const repo = new ProductsRepository(client.db(database));
    const now = new Date();
    for (const p of products) await repo.put(newProduct({ ...p, sku: p.sku ?? p.id }, now));
  } finally {
    await client.close();
  }
}
