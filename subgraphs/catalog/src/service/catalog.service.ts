import { BadUserInputError } from '@shop/platform';
import { productProblems, type Product } from '../domain/product.js';
import type { ProductsRepository } from '../persistence/products.repository.js';

export class CatalogService {
  constructor(private readonly products: ProductsRepository) {}

  byIds(ids: readonly string[]): Promise<Map<string, Product>> {
    return this.products.byIds(ids);
  }

  async upsert(product: Product): Promise<Product> {
    const problems = productProblems(product);
    if (problems.length > 0) throw BadUserInputError.fromProblems(problems);
    return this.products.upsert({ ...product, title: product.title.trim() });
  }
}
