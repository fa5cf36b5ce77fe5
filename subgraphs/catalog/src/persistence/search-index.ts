import type { Client } from '@elastic/elasticsearch';
import type { Logger } from '@shop/platform';
import type { Product } from '../domain/product.js';
import { PRICE_BUCKETS, type SearchRequest } from '../domain/search-request.js';
import type { SearchResult } from '../domain/search-result.js';
import { searchBody, suggestBody } from './search-query.js';
import { SHOP_SYNONYMS } from './shop-synonyms.js';

/** A product as the index holds it, with the stock figure the search filters on. */
export interface IndexedProduct {
  readonly product: Product;
  /** Units available to sell; null when stock was never reported (counts as not in stock). */
  readonly available: number | null;
  /** Increments with every stock change of the product (see `documentVersion`). */
  readonly stockSeq: number;
}

/**
 * The document's external version: product revision in the high bits, stock sequence in the low
 * 32. Every write carries the full current state of one product, read just before, and ES keeps
 * a write only if its version is not lower than the stored one (`external_gte`): so a slow or
 * replayed write (a redelivered event, the reindex catch-up) never brings an older state back.
 * No script is needed (the stack's ES has no painless).
 */
export const documentVersion = (revision: number, stockSeq: number): number =>
  revision * 2 ** 32 + (stockSeq % 2 ** 32);

/** `shop_synonyms` over an empty list: the search analyzer without synonyms. */
const analysisWith = (synonyms: readonly string[]) => ({
  filter: {
    shop_synonyms: { type: 'shop_synonyms', synonyms: [...synonyms] },
    shop_shingle: {
      type: 'shingle',
      min_shingle_size: 2,
      max_shingle_size: 3,
      output_unigrams: true,
    },
  },
  analyzer: {
    // shop_* filters: the stack's shop-analysis plugin (packages/stack/es-analysis).
    shop_text: {
      type: 'custom',
      tokenizer: 'standard',
      filter: ['lowercase', 'shop_ascii_folding', 'shop_english_stem'],
    },
    shop_exact: {
      type: 'custom',
      tokenizer: 'standard',
      filter: ['lowercase', 'shop_ascii_folding'],
    },
    shop_prefix: {
      type: 'custom',
      tokenizer: 'standard',
      filter: ['lowercase', 'shop_ascii_folding', 'shop_edge_ngram'],
    },
    shop_shingles: {
      type: 'custom',
      tokenizer: 'standard',
      filter: ['lowercase', 'shop_ascii_folding', 'shop_shingle'],
    },
    // Query side of the shop_text fields: the same chain, then synonyms (a search-time-only
    // filter, so documents never hold them and a new list needs no re-analysis).
    shop_search: {
      type: 'custom',
      tokenizer: 'standard',
      filter: ['lowercase', 'shop_ascii_folding', 'shop_english_stem', 'shop_synonyms'],
    },
  },
});
type Analysis = ReturnType<typeof analysisWith>;

/**
 * The analysis settings for a server that has Elasticsearch's `analysis-common` module (every
 * distribution but the core-only integ-test zip the local stack runs): the same `shop_*` filter
 * names, defined from the module's built-in filters, so the mapping is one on both. On the stack
 * the names are global filters of its shop-analysis plugin (packages/stack/es-analysis).
 */
export function analysisSettings(
  hasAnalysisCommon: boolean,
  synonyms: readonly string[] = SHOP_SYNONYMS,
): Analysis {
  const analysis = analysisWith(synonyms);
  if (!hasAnalysisCommon) return analysis;
  const stem = ['shop_english_possessive', 'kstem'];
  return {
    filter: {
      ...analysis.filter,
      shop_ascii_folding: { type: 'asciifolding' },
      shop_english_possessive: { type: 'stemmer', language: 'possessive_english' },
      shop_edge_ngram: { type: 'edge_ngram', min_gram: 2, max_gram: 20, preserve_original: true },
      shop_synonyms: { type: 'synonym_graph', synonyms: [...synonyms] },
    } as Analysis['filter'],
    analyzer: Object.fromEntries(
      Object.entries(analysis.analyzer).map(([name, a]) => [
        name,
        { ...a, filter: a.filter.flatMap((f) => (f === 'shop_english_stem' ? stem : [f])) },
      ]),
    ) as Analysis['analyzer'],
  };
}

const MAPPINGS = {
  dynamic: 'strict',
  properties: {
    id: { type: 'keyword' },
    sku: { type: 'keyword' },
    title: {
      type: 'text',
      analyzer: 'shop_text',
      search_analyzer: 'shop_search',
      fields: {
        exact: { type: 'text', analyzer: 'shop_exact' },
        prefix: { type: 'text', analyzer: 'shop_prefix', search_analyzer: 'shop_exact' },
        shingles: { type: 'text', analyzer: 'shop_shingles' },
      },
    },
    description: { type: 'text', analyzer: 'shop_text', search_analyzer: 'shop_search' },
    brand: {
      type: 'keyword',
      fields: { text: { type: 'text', analyzer: 'shop_text', search_analyzer: 'shop_search' } },
    },
    /** The leaf path, "Furniture > Bookcases": one per product, the category facet. */
    categoryPath: { type: 'keyword' },
    /** Every level's path ("Furniture", "Furniture > Bookcases", "Bookcases"): the filter. */
    categories: { type: 'keyword' },
    categoryText: { type: 'text', analyzer: 'shop_text', search_analyzer: 'shop_search' },
    /** "name=value" pairs. */
    attributes: { type: 'keyword' },
    priceCents: { type: 'long' },
    currency: { type: 'keyword', index: false },
    images: { type: 'keyword', index: false },
    rating: { type: 'float' },
    status: { type: 'keyword' },
    createdAt: { type: 'date' },
    updatedAt: { type: 'date' },
    revision: { type: 'long' },
    available: { type: 'integer' },
  },
};

function toDocument({ product: p, available }: IndexedProduct): Record<string, unknown> {
  const levels = p.categoryPath.map((_, i) => p.categoryPath.slice(0, i + 1).join(' > '));
  return {
    id: p.id,
    sku: p.sku,
    title: p.title,
    description: p.description,
    brand: p.brand,
    categoryPath: p.categoryPath.join(' > '),
    categories: [...new Set([...levels, ...p.categoryPath])],
    categoryText: p.categoryPath.join(' '),
    attributes: Object.entries(p.attributes).map(([k, v]) => `${k}=${v}`),
    priceCents: p.priceCents,
    currency: p.currency,
    images: p.images,
    rating: p.rating,
    status: p.status,
    createdAt: p.createdAt.toISOString(),
    updatedAt: p.updatedAt.toISOString(),
    revision: p.revision,
    available,
  };
}

interface HitSource {
  id: string;
  sku: string;
  title: string;
  description: string;
  brand: string | null;
  categoryPath: string;
  attributes: string[];
  priceCents: number;
  currency: string;
  images: string[];
  rating: number | null;
  status: 'ACTIVE' | 'ARCHIVED';
  createdAt: string;
  updatedAt: string;
  revision: number;
  available: number | null;
}

const fromSource = (s: HitSource): Product => ({
  id: s.id,
  sku: s.sku,
  title: s.title,
  description: s.description,
  brand: s.brand,
  categoryPath: s.categoryPath === '' ? [] : s.categoryPath.split(' > '),
  attributes: Object.fromEntries(
    s.attributes.map((a) => {
      const i = a.indexOf('=');
      return [a.slice(0, i), a.slice(i + 1)];
    }),
  ),
  priceCents: s.priceCents,
  currency: s.currency,
  images: s.images,
  rating: s.rating,
  status: s.status,
  createdAt: new Date(s.createdAt),
  updatedAt: new Date(s.updatedAt),
  revision: s.revision,
});

interface Bucket {
  key: string;
  doc_count: number;
}

export interface SearchIndexOptions {
  readonly client: Client;
  readonly logger: Logger;
  /** The alias searches and writes go through. @default 'products' */
  readonly alias?: string;
  /** Deadline of one search request. @default 5000 */
  readonly searchTimeoutMs?: number;
  /** Query-side synonym rules (Solr format) of the indices this creates. @default SHOP_SYNONYMS */
  readonly synonyms?: readonly string[];
}

/** The product index in Elasticsearch, always used through an alias so a reindex can swap it. */
export class SearchIndex {
  readonly alias: string;
  private readonly client: Client;
  private readonly timeout: number;

  constructor(private readonly options: SearchIndexOptions) {
    this.client = options.client;
    this.alias = options.alias ?? 'products';
    this.timeout = options.searchTimeoutMs ?? 5000;
  }

  /** Creates a first index behind the alias if there is none (idempotent, safe to race). */
  async ensure(): Promise<void> {
    if (await this.client.indices.existsAlias({ name: this.alias })) {
      await this.warnOnOtherSynonyms();
      return;
    }
    const index = await this.createIndex();
    try {
      await this.client.indices.updateAliases({
        actions: [{ add: { index, alias: this.alias, is_write_index: true } }],
      });
    } catch (err) {
      await this.client.indices.delete({ index }).catch(() => undefined);
      throw err;
    }
    // Two processes may both have created one: keep the alias on a single index.
    const indices = Object.keys(await this.client.indices.getAlias({ name: this.alias }));
    if (indices.length > 1) {
      const [keep, ...drop] = indices.sort();
      await this.client.indices.updateAliases({
        actions: drop.map((i) => ({ remove: { index: i, alias: this.alias } })),
      });
      this.options.logger.info({ keep, drop }, 'dropped duplicate first indices');
    }
  }

  /**
   * Synonyms live in the index settings, which Elasticsearch changes only on a closed index: a
   * new list reaches the live index with the next reindex (alias swap, no failed search). Say so
   * rather than close an index under running searches.
   */
  private async warnOnOtherSynonyms(): Promise<void> {
    const wanted = [...(this.options.synonyms ?? SHOP_SYNONYMS)];
    const res = (await this.client.indices.getSettings({
      index: this.alias,
      name: 'index.analysis.filter.shop_synonyms.synonyms',
      flat_settings: true,
    })) as Record<string, { settings?: Record<string, string[] | undefined> }>;
    for (const [index, { settings }] of Object.entries(res)) {
      const live = settings?.['index.analysis.filter.shop_synonyms.synonyms'] ?? [];
      if (JSON.stringify(live) !== JSON.stringify(wanted))
        this.options.logger.warn(
          { index, live: live.length, wanted: wanted.length },
          'search index has another synonym list: run the reindex to apply this one',
        );
    }
  }

  /** Writes one product's full current state; an older version than the stored one is ignored. */
  async put(doc: IndexedProduct, index: string = this.alias): Promise<void> {
    try {
      await this.client.index(
        {
          index,
          id: doc.product.id,
          document: toDocument(doc),
          version: documentVersion(doc.product.revision, doc.stockSeq),
          version_type: 'external_gte',
          // The write is searchable before the event counts as handled: the cache is
          // invalidated after this, and must not be refilled from a stale index.
          refresh: 'wait_for',
        },
        { requestTimeout: 30_000 },
      );
    } catch (err) {
      if (isVersionConflict(err)) return;
      throw err;
    }
  }

  /** Bulk-writes products into one concrete index; returns how many were written. */
  async bulk(index: string, docs: readonly IndexedProduct[]): Promise<number> {
    if (docs.length === 0) return 0;
    const operations = docs.flatMap((d) => [
      {
        index: {
          _index: index,
          _id: d.product.id,
          version: documentVersion(d.product.revision, d.stockSeq),
          version_type: 'external_gte',
        },
      },
      toDocument(d),
    ]);
    const res = await this.client.bulk({ operations }, { requestTimeout: 120_000 });
    if (res.errors) {
      const failed = res.items.filter(
        (i) => i.index?.error !== undefined && i.index.status !== 409,
      );
      if (failed.length > 0)
        throw new Error(
          `bulk index: ${failed.length} failed, first: ${JSON.stringify(failed[0]?.index?.error)}`,
        );
    }
    return docs.length;
  }

  /** A new, empty concrete index with the mapping, tuned for a bulk load. */
  async createIndex(): Promise<string> {
    const index = `${this.alias}-${Date.now()}-${Math.random().toString(36).slice(2, 6)}`;
    await this.client.indices.create({
      index,
      settings: {
        number_of_shards: 1,
        number_of_replicas: 0,
        max_result_window: 10_000,
        analysis: analysisSettings(await this.hasAnalysisCommon(), this.options.synonyms),
      },
      mappings: MAPPINGS,
    } as unknown as Parameters<Client['indices']['create']>[0]);
    return index;
  }

  private analysisCommon: boolean | undefined;

  /** Whether the server has the analysis-common module (a full distribution) or not (the stack). */
  private async hasAnalysisCommon(): Promise<boolean> {
    if (this.analysisCommon === undefined) {
      const res = (await this.client.nodes.info({ metric: 'plugins' })) as unknown as {
        nodes: Record<string, { modules?: { name: string }[] }>;
      };
      this.analysisCommon = Object.values(res.nodes).every((n) =>
        (n.modules ?? []).some((m) => m.name === 'analysis-common'),
      );
    }
    return this.analysisCommon;
  }

  /** The concrete indices behind the alias now. */
  async current(): Promise<string[]> {
    try {
      return Object.keys(await this.client.indices.getAlias({ name: this.alias }));
    } catch (err) {
      if (statusOf(err) === 404) return [];
      throw err;
    }
  }

  /**
   * Points the alias at `index` in one atomic request (a search sees either the old or the new
   * index, never none), then deletes indices older than the one just replaced: that one is kept
   * for a rollback and so searches already running on it finish.
   */
  async swap(index: string): Promise<{ previous: string[]; deleted: string[] }> {
    await this.client.indices.refresh({ index });
    const previous = await this.current();
    await this.client.indices.updateAliases({
      actions: [
        ...previous.map((i) => ({ remove: { index: i, alias: this.alias } })),
        { add: { index, alias: this.alias, is_write_index: true } },
      ],
    });
    const all = Object.keys(await this.client.indices.get({ index: `${this.alias}-*` }));
    const keep = new Set([index, ...previous]);
    const deleted = all.filter((i) => !keep.has(i));
    if (deleted.length > 0) await this.client.indices.delete({ index: deleted });
    return { previous, deleted };
  }

  async search(r: SearchRequest): Promise<SearchResult> {
    const res = await this.client.search<HitSource>(
      { index: this.alias, ...searchBody(r) },
      { requestTimeout: this.timeout },
    );
    const total =
      typeof res.hits.total === 'number' ? res.hits.total : (res.hits.total?.value ?? 0);
    const aggs = res.aggregations as
      Record<string, { values: { buckets: (Bucket & { key: string })[] } }> | undefined;
    const buckets = (name: string): Bucket[] => aggs?.[name]?.values.buckets ?? [];
    const didYouMean = (
      res.suggest?.didYouMean?.[0]?.options as { text: string }[] | undefined
    )?.[0]?.text;
    return {
      total,
      hits: res.hits.hits.flatMap((h) =>
        h._source === undefined
          ? []
          : [
              {
                product: fromSource(h._source),
                available: h._source.available ?? null,
                highlightedTitle:
                  h.highlight?.title?.[0] ?? h.highlight?.['title.prefix']?.[0] ?? null,
              },
            ],
      ),
      facets: {
        categories: buckets('category').map((b) => ({ value: b.key, count: b.doc_count })),
        brands: buckets('brand').map((b) => ({ value: b.key, count: b.doc_count })),
        prices: PRICE_BUCKETS.map((p, i) => ({
          key: p.key,
          fromCents: p.from,
          toCents: p.to,
          count: buckets('price')[i]?.doc_count ?? 0,
        })),
      },
      didYouMean: didYouMean !== undefined && didYouMean !== r.query ? didYouMean : null,
    };
  }

  async suggest(prefix: string, size: number): Promise<string[]> {
    const res = await this.client.search<{ title: string }>(
      { index: this.alias, ...suggestBody(prefix, size) },
      { requestTimeout: this.timeout },
    );
    const titles = res.hits.hits.flatMap((h) => (h._source ? [h._source.title] : []));
    return [...new Set(titles)].slice(0, size);
  }

  async ping(): Promise<void> {
    await this.client.cluster.health({}, { requestTimeout: 2000 });
  }
}

const statusOf = (err: unknown): number | undefined =>
  (err as { meta?: { statusCode?: number } }).meta?.statusCode;

const isVersionConflict = (err: unknown): boolean => statusOf(err) === 409;
