import { BadUserInputError } from '@shop/platform';
import { Arg, Directive, Int, Mutation, Query, Resolver } from 'type-graphql';
import type { SearchSort } from '../domain/search-request.js';
import type { SearchInsights } from '../persistence/search-insights.repository.js';
import type { ReindexService } from '../service/reindex.service.js';
import type { SearchService } from '../service/search.service.js';
import {
  ReindexReportType,
  SearchFiltersInput,
  SearchInsightsType,
  SearchQueryStatType,
  SearchResultType,
  SearchSortEnum,
} from './search.type.js';

const MAX_WINDOW_HOURS = 24 * 90;

@Resolver()
export class SearchResolver {
  constructor(
    private readonly search_: SearchService,
    private readonly insights: SearchInsights,
    private readonly reindexer: ReindexService,
  ) {}

  @Directive('@rateLimit(window: "1m", max: 120)')
  @Query(() => SearchResultType, {
    description:
      'Full-text product search with typo tolerance, filters, facets, sort and pages. An empty query lists products. A query over 200 characters or a bad filter is BAD_USER_INPUT.',
  })
  async search(
    @Arg('query', () => String, { nullable: true }) query: string | null,
    @Arg('filters', () => SearchFiltersInput, { nullable: true })
    filters: SearchFiltersInput | null,
    @Arg('sort', () => SearchSortEnum, { defaultValue: 'RELEVANCE' }) sort: SearchSort,
    @Arg('page', () => Int, { defaultValue: 1, description: '1-based.' }) page: number,
    @Arg('pageSize', () => Int, { defaultValue: 20, description: '1-100.' }) pageSize: number,
  ): Promise<SearchResultType> {
    const result = await this.search_.search({ query, filters, sort, page, pageSize });
    return SearchResultType.from(result, page, pageSize);
  }

  @Directive('@rateLimit(window: "1m", max: 600)')
  @Query(() => [String], {
    description: 'Up to 8 product titles for type-ahead; fewer than 2 letters gives none.',
  })
  suggest(@Arg('prefix') prefix: string): Promise<string[]> {
    return this.search_.suggest(prefix);
  }

  @Directive('@requiresScopes(scopes: [["admin"]])')
  @Query(() => SearchInsightsType, {
    description:
      'What shoppers searched for over the last `windowHours`, and what they did not find.',
  })
  async searchInsights(
    @Arg('windowHours', () => Int, { defaultValue: 24 }) windowHours: number,
    @Arg('limit', () => Int, { defaultValue: 20 }) limit: number,
  ): Promise<SearchInsightsType> {
    const problems = [];
    if (windowHours < 1 || windowHours > MAX_WINDOW_HOURS)
      problems.push({ field: 'windowHours', message: `must be 1-${MAX_WINDOW_HOURS}` });
    if (limit < 1 || limit > 100) problems.push({ field: 'limit', message: 'must be 1-100' });
    if (problems.length > 0) throw BadUserInputError.fromProblems(problems);
    await this.insights.flush();
    const since = new Date(Date.now() - windowHours * 3_600_000);
    const [top, zero] = await Promise.all([
      this.insights.topQueries(since, limit),
      this.insights.zeroResultQueries(since, limit),
    ]);
    return Object.assign(new SearchInsightsType(), {
      since,
      topQueries: top.map((s) => SearchQueryStatType.from(s)),
      zeroResultQueries: zero.map((s) => SearchQueryStatType.from(s)),
    });
  }

  @Directive('@requiresScopes(scopes: [["admin"]])')
  @Mutation(() => ReindexReportType, {
    description: 'Rebuilds the search index from the catalog and swaps it in; searches go on.',
  })
  async reindexProducts(): Promise<ReindexReportType> {
    return Object.assign(new ReindexReportType(), await this.reindexer.reindex());
  }
}
