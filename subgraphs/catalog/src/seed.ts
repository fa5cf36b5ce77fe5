import { MongoClient } from 'mongodb';
import type { Product } from './domain/product.js';
import { ProductsRepository } from './persistence/products.repository.js';

/** Test and demo data: writes products straight into the catalog database. */
export async function seedProducts(
  mongoUrl: string,
  database: string,
  products: readonly Product[],
): Promise<void> {
  const client = new MongoClient(mongoUrl, { serverSelectionTimeoutMS: 5000 });
  try {
    const repo = new ProductsRepository(client.db(database));
    for (const p of products) await repo.upsert(p);
  } finally {
    await client.close();
  }
}
