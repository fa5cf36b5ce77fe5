import type { ServiceClient } from '@shop/service-client';
import { CartProductsDocument } from '../clients/__generated__/catalog.js';
import type { ProductFacts } from '../domain/cart.js';

/** Catalog's facts for a set of products (absent: catalog does not offer it). */
export type ProductFactsLookup = (
  productIds: readonly string[],
) => Promise<ReadonlyMap<string, ProductFacts>>;

const PAGE = 100; // catalog's products(ids) takes at most 100 ids

/** Reads prices and availability from catalog through the typed client, 100 ids per call. */
export function catalogFacts(catalog: ServiceClient): ProductFactsLookup {
  return async (productIds) => {
    const facts = new Map<string, ProductFacts>();
    const ids = [...new Set(productIds)];
    for (let i = 0; i < ids.length; i += PAGE) {
      const { products } = await catalog.call(CartProductsDocument, {
        ids: ids.slice(i, i + PAGE),
      });
      for (const p of products)
        if (p !== null)
          facts.set(p.id, {
            title: p.title,
            priceCents: p.priceCents,
            availableQuantity: p.availableQuantity,
            offered: p.status === 'ACTIVE',
          });
    }
    return facts;
  };
}
