import type { FieldProblem } from '@shop/platform';

export const SEARCH_SORTS = ['RELEVANCE', 'PRICE_ASC', 'PRICE_DESC', 'RATING', 'NEWEST'] as const;
export type SearchSort = (typeof SEARCH_SORTS)[number];

export interface AttributeFilter {
  readonly name: string;
  /** Any of these values (OR within one attribute; AND across attributes). */
  readonly values: readonly string[];
}

export interface SearchFilters {
  /** Category names at any level of the path (OR). */
  readonly categories: readonly string[];
  readonly brands: readonly string[];
  readonly minPriceCents: number | null;
  readonly maxPriceCents: number | null;
  /** Only products with available stock. */
  readonly inStock: boolean;
  readonly attributes: readonly AttributeFilter[];
}

export interface SearchRequest {
  /** Normalised: trimmed, lower-case, inner whitespace collapsed; '' lists products. */
  readonly query: string;
  readonly filters: SearchFilters;
  readonly sort: SearchSort;
  /** 1-based. */
  readonly page: number;
  readonly pageSize: number;
}

export const SEARCH_LIMITS = {
  queryLength: 200,
  suggestPrefixLength: 100,
  filterValues: 50,
  pageSize: 100,
  /** Elasticsearch's default max_result_window: deeper pages need search_after. */
  window: 10_000,
} as const;

/** Lower-case, trimmed, whitespace collapsed (NFKC first, so look-alike forms count as one). */
export const normaliseQuery = (q: string): string =>
  q.normalize('NFKC').toLowerCase().replace(/\s+/g, ' ').trim();

export interface SearchInput {
  readonly query?: string | null;
  readonly filters?: Partial<{
    categories: readonly string[] | null;
    brands: readonly string[] | null;
    minPriceCents: number | null;
    maxPriceCents: number | null;
    inStock: boolean | null;
    attributes: readonly AttributeFilter[] | null;
  }> | null;
  readonly sort?: SearchSort | null;
  readonly page?: number | null;
  readonly pageSize?: number | null;
}

/** Validates and normalises what a client asked; problems name each bad field. */
export function parseSearchInput(
  input: SearchInput,
): { ok: true; request: SearchRequest } | { ok: false; problems: FieldProblem[] } {
  const problems: FieldProblem[] = [];
  const bad = (field: string, message: string): void => void problems.push({ field, message });
  const raw = input.query ?? '';
  if (raw.length > SEARCH_LIMITS.queryLength)
    bad('query', `must be at most ${SEARCH_LIMITS.queryLength} characters`);
  const f = input.filters ?? {};
  const list = (field: string, values: readonly string[] | null | undefined): string[] => {
    const out = [...new Set((values ?? []).map((v) => v.trim()).filter((v) => v.length > 0))];
    if (out.length > SEARCH_LIMITS.filterValues || out.some((v) => v.length > 200))
      bad(field, `at most ${SEARCH_LIMITS.filterValues} values of at most 200 characters`);
    return out.sort();
  };
  const categories = list('filters.categories', f.categories);
  const brands = list('filters.brands', f.brands);
  const price = (field: string, v: number | null | undefined): number | null => {
    if (v === null || v === undefined) return null;
    if (!Number.isInteger(v) || v < 0) bad(field, 'must be a whole number of minor units, >= 0');
    return v;
  };
  const minPriceCents = price('filters.minPriceCents', f.minPriceCents);
  const maxPriceCents = price('filters.maxPriceCents', f.maxPriceCents);
  if (minPriceCents !== null && maxPriceCents !== null && minPriceCents > maxPriceCents)
    bad('filters.maxPriceCents', 'must not be below minPriceCents');
  const attributes = (f.attributes ?? [])
    .map((a) => ({ name: a.name.trim(), values: list('filters.attributes', a.values) }))
    .filter((a) => a.values.length > 0)
    .sort((a, b) => a.name.localeCompare(b.name));
  if (attributes.length > 20 || attributes.some((a) => !/^[a-z][a-z0-9_]{0,49}$/.test(a.name)))
    bad('filters.attributes', 'at most 20 attributes, names as products use them');
  const page = input.page ?? 1;
  const pageSize = input.pageSize ?? 20;
  if (!Number.isInteger(page) || page < 1) bad('page', 'must be 1 or more');
  if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > SEARCH_LIMITS.pageSize)
    bad('pageSize', `must be 1-${SEARCH_LIMITS.pageSize}`);
  else if (page * pageSize > SEARCH_LIMITS.window)
    bad('page', `page x pageSize must be at most ${SEARCH_LIMITS.window}; narrow the search`);
  if (problems.length > 0) return { ok: false, problems };
  return {
    ok: true,
    request: {
      query: normaliseQuery(raw),
      filters: {
        categories,
        brands,
        minPriceCents,
        maxPriceCents,
        inStock: f.inStock ?? false,
        attributes,
      },
      sort: input.sort ?? 'RELEVANCE',
      page,
      pageSize,
    },
  };
}

/**
 * A stable string for a request: equal for requests that must get equal answers (values are
 * normalised and sorted by `parseSearchInput`), so it keys the cache.
 */
export const searchRequestKey = (r: SearchRequest): string =>
  JSON.stringify([
    r.query,
    r.filters.categories,
    r.filters.brands,
    r.filters.minPriceCents,
    r.filters.maxPriceCents,
    r.filters.inStock,
    r.filters.attributes.map((a) => [a.name, a.values]),
    r.sort,
    r.page,
    r.pageSize,
  ]);

/** Price facet buckets, in minor units: [from, to) with null for open ends. */
export const PRICE_BUCKETS: readonly {
  readonly key: string;
  from: number | null;
  to: number | null;
}[] = [
  { key: 'under-10', from: null, to: 1000 },
  { key: '10-25', from: 1000, to: 2500 },
  { key: '25-50', from: 2500, to: 5000 },
  { key: '50-100', from: 5000, to: 10000 },
  { key: '100-250', from: 10000, to: 25000 },
  { key: '250-500', from: 25000, to: 50000 },
  { key: '500-1000', from: 50000, to: 100000 },
  { key: '1000-plus', from: 100000, to: null },
];
