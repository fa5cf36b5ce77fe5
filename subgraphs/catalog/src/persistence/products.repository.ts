import type { Collection, Db } from 'mongodb';
import type { Product } from '../domain/product.js';

interface ProductDocument {
  _id: string;
  title: string;
  description: string;
  priceCents: number;
  updatedAt: Date;
}

const toProduct = (d: ProductDocument): Product => ({
  id: d._id,
  title: d.title,
  description: d.description,
  priceCents: d.priceCents,
});

/** Products in MongoDB (FerretDB locally): flexible attributes arrive with the catalog issue. */
export class ProductsRepository {
  private readonly products: Collection<ProductDocument>;

  constructor(db: Db) {
    this.products = db.collection<ProductDocument>('products');
  }

  /** One `find` with `$in` for any number of ids. */
  async byIds(ids: readonly string[]): Promise<Map<string, Product>> {
    const docs = await this.products.find({ _id: { $in: [...ids] } }).toArray();
    return new Map(docs.map((d) => [d._id, toProduct(d)]));
  }

  async upsert(product: Product): Promise<Product> {
    const { id, ...fields } = product;
    await this.products.updateOne(
      { _id: id },
      { $set: { ...fields, updatedAt: new Date() } },
      { upsert: true },
    );
    return product;
  }
}
