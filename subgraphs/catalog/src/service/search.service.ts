import { BadUserInputError } from '@shop/platform';
import {
  normaliseQuery,
  parseSearchInput,
  SEARCH_LIMITS,
  searchRequestKey,
  type SearchInput,
} from '../domain/search-request.js';
import type { SearchResult } from '../domain/search-result.js';
import type { SearchCache } from '../persistence/search-cache.js';
import type { SearchIndex } from '../persistence/search-index.js';
import type { SearchInsights } from '../persistence/search-insights.repository.js';

export const SUGGEST_SIZE = 8;

/** Search and suggestions: validation, the cache in front of the index, and insights. */
export class SearchService {
  constructor(
    private readonly index: SearchIndex,
    private readonly cache: SearchCache | undefined,
    private readonly insights: SearchInsights,
  ) {}

  /**
   * One search. `bypassCache` computes from the index without reading or writing the cache (the
   * benchmark's uncached runs); every search, cached or not, is recorded for the insights.
   */
  async search(input: SearchInput, opts: { bypassCache?: boolean } = {}): Promise<SearchResult> {
    const parsed = parseSearchInput(input);
    if (!parsed.ok) throw BadUserInputError.fromProblems(parsed.problems);
    const request = parsed.request;
    const compute = () => this.index.search(request);
    let result: SearchResult;
    if (this.cache === undefined || opts.bypassCache === true) {
      this.cache?.bypass();
      result = await compute();
    } else result = await this.cache.getOrCompute(`search:${searchRequestKey(request)}`, compute);
    if (request.query !== '') this.insights.record(request.query, result.total);
    return result;
  }

  async suggest(prefix: string): Promise<string[]> {
    if (prefix.length > SEARCH_LIMITS.suggestPrefixLength)
      throw BadUserInputError.fromProblems([
        {
          field: 'prefix',
          message: `must be at most ${SEARCH_LIMITS.suggestPrefixLength} characters`,
        },
      ]);
    const normalised = normaliseQuery(prefix);
    if (normalised.length < 2) return [];
    const compute = () => this.index.suggest(normalised, SUGGEST_SIZE);
    return this.cache === undefined
      ? compute()
      : this.cache.getOrCompute(`suggest:${normalised}`, compute);
  }
}
