import type { Product } from './product.js';

export interface SearchHit {
  readonly product: Product;
  /** Stock the index knows of; null when never reported. */
  readonly available: number | null;
  /** The title with matched words in <em>, or null when the title did not match. */
  readonly highlightedTitle: string | null;
}

export interface FacetValue {
  readonly value: string;
  readonly count: number;
}

export interface PriceFacetBucket {
  readonly key: string;
  readonly fromCents: number | null;
  readonly toCents: number | null;
  readonly count: number;
}

export interface SearchResult {
  readonly total: number;
  readonly hits: readonly SearchHit[];
  readonly facets: {
    readonly categories: readonly FacetValue[];
    readonly brands: readonly FacetValue[];
    readonly prices: readonly PriceFacetBucket[];
  };
  /** A corrected query when this one found little, else null. */
  readonly didYouMean: string | null;
}
