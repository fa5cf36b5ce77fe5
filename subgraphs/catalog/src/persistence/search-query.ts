import { PRICE_BUCKETS, type SearchFilters, type SearchRequest } from '../domain/search-request.js';

/* Elasticsearch request bodies for the product search, as pure functions (unit-tested). */

type Json = Record<string, unknown>;

/** What makes a product listable at all. */
const ACTIVE: Json = { term: { status: 'ACTIVE' } };

/** The filters that have a facet: each facet is counted with every filter but its own. */
type FacetName = 'category' | 'brand' | 'price';

function facetFilter(name: FacetName, f: SearchFilters): Json | undefined {
  switch (name) {
    case 'category':
      return f.categories.length > 0 ? { terms: { categories: f.categories } } : undefined;
    case 'brand':
      return f.brands.length > 0 ? { terms: { brand: f.brands } } : undefined;
    case 'price': {
      if (f.minPriceCents === null && f.maxPriceCents === null) return undefined;
      const range: Json = {};
      if (f.minPriceCents !== null) range.gte = f.minPriceCents;
      if (f.maxPriceCents !== null) range.lte = f.maxPriceCents;
      return { range: { priceCents: range } };
    }
  }
}

const FACETS: readonly FacetName[] = ['category', 'brand', 'price'];

/** Filters without a facet: they narrow the hits and every facet alike. */
function baseFilters(f: SearchFilters): Json[] {
  const out: Json[] = [ACTIVE];
  if (f.inStock) out.push({ range: { available: { gt: 0 } } });
  for (const a of f.attributes)
    out.push({ terms: { attributes: a.values.map((v) => `${a.name}=${v}`) } });
  return out;
}

/**
 * Relevance: the fuzzy multi-field match forgives typos (AUTO: 1 edit from 3 letters, 2 from 6;
 * the first letter must be right, which keeps expansions few and precise); the edge-n-gram field
 * lets a partial last word match ("bookc"); a phrase match lifts titles with the words in order.
 * Stemming on `title`/`description` makes plurals meet singulars.
 */
export function textQuery(query: string): Json {
  if (query === '') return { match_all: {} };
  return {
    bool: {
      should: [
        {
          multi_match: {
            query,
            type: 'best_fields',
            fields: ['title^4', 'title.exact^2', 'brand.text^3', 'categoryText^2', 'description'],
            fuzziness: 'AUTO',
            prefix_length: 1,
            max_expansions: 30,
            minimum_should_match: '2<-25%',
            tie_breaker: 0.2,
          },
        },
        { match: { 'title.prefix': { query, operator: 'and', boost: 3 } } },
      ],
      minimum_should_match: 1,
    },
  };
}

function sortOf(r: SearchRequest): (Json | string)[] {
  switch (r.sort) {
    case 'PRICE_ASC':
      return [{ priceCents: 'asc' }, { id: 'asc' }];
    case 'PRICE_DESC':
      return [{ priceCents: 'desc' }, { id: 'asc' }];
    case 'RATING':
      return [{ rating: { order: 'desc', missing: '_last' } }, '_score', { id: 'asc' }];
    case 'NEWEST':
      return [{ createdAt: 'desc' }, { id: 'asc' }];
    case 'RELEVANCE':
      return ['_score', { rating: { order: 'desc', missing: '_last' } }, { id: 'asc' }];
  }
}

/** The body of one search: hits, facets that respect the other filters, highlights, did-you-mean. */
export function searchBody(r: SearchRequest): Json {
  const f = r.filters;
  const facetFilters = new Map(FACETS.map((n) => [n, facetFilter(n, f)] as const));
  const others = (except: FacetName): Json[] =>
    FACETS.filter((n) => n !== except)
      .map((n) => facetFilters.get(n))
      .filter((q): q is Json => q !== undefined);
  const all = FACETS.map((n) => facetFilters.get(n)).filter((q): q is Json => q !== undefined);
  const main = textQuery(r.query);
  const phrase =
    r.query === '' ? [] : [{ match_phrase: { title: { query: r.query, slop: 2, boost: 3 } } }];
  const body: Json = {
    query: { bool: { must: [main], should: phrase, filter: baseFilters(f) } },
    // Facet-owned filters apply to the hits after the aggregations saw the wider set.
    ...(all.length > 0 ? { post_filter: { bool: { filter: all } } } : {}),
    aggs: {
      category: {
        filter: { bool: { filter: others('category') } },
        aggs: { values: { terms: { field: 'categoryPath', size: 50 } } },
      },
      brand: {
        filter: { bool: { filter: others('brand') } },
        aggs: { values: { terms: { field: 'brand', size: 30 } } },
      },
      price: {
        filter: { bool: { filter: others('price') } },
        aggs: {
          values: {
            range: {
              field: 'priceCents',
              keyed: false,
              ranges: PRICE_BUCKETS.map((b) => ({
                key: b.key,
                ...(b.from === null ? {} : { from: b.from }),
                ...(b.to === null ? {} : { to: b.to }),
              })),
            },
          },
        },
      },
    },
    sort: sortOf(r),
    from: (r.page - 1) * r.pageSize,
    size: r.pageSize,
    track_total_hits: true,
    _source: { excludes: ['suggest'] },
    highlight: {
      pre_tags: ['<em>'],
      post_tags: ['</em>'],
      fields: { title: { number_of_fragments: 0 }, 'title.prefix': { number_of_fragments: 0 } },
    },
  };
  if (r.query !== '')
    body.suggest = {
      didYouMean: {
        text: r.query,
        phrase: {
          field: 'title.shingles',
          size: 1,
          gram_size: 3,
          max_errors: 2,
          confidence: 1,
          direct_generator: [
            {
              field: 'title.shingles',
              suggest_mode: 'always',
              min_word_length: 3,
              prefix_length: 1,
            },
          ],
        },
      },
    };
  return body;
}

/** Type-ahead: titles whose words start with the prefix's words (edge n-grams), best first. */
export function suggestBody(prefix: string, size: number): Json {
  return {
    query: {
      bool: {
        must: [{ match: { 'title.prefix': { query: prefix, operator: 'and' } } }],
        should: [{ match_phrase_prefix: { title: { query: prefix } } }],
        filter: [ACTIVE],
      },
    },
    sort: ['_score', { rating: { order: 'desc', missing: '_last' } }, { id: 'asc' }],
    size: size * 2,
    _source: ['title'],
  };
}
