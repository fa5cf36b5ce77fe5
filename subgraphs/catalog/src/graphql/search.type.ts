import { Field, InputType, Int, ObjectType, registerEnumType } from 'type-graphql';
import { SEARCH_SORTS, type SearchSort } from '../domain/search-request.js';
import type { SearchResult } from '../domain/search-result.js';
import type { QueryStat } from '../persistence/search-insights.repository.js';
import { ProductType } from './product.type.js';

export const SearchSortEnum = Object.fromEntries(SEARCH_SORTS.map((s) => [s, s])) as {
  [K in SearchSort]: K;
};
registerEnumType(SearchSortEnum, {
  name: 'SearchSort',
  description: 'RELEVANCE ties break by rating; NEWEST is by creation time.',
});

@InputType('AttributeFilterInput')
export class AttributeFilterInput {
  @Field()
  name!: string;

  @Field(() => [String], { description: 'Any of these values.' })
  values!: string[];
}

@InputType('SearchFilters')
export class SearchFiltersInput {
  @Field(() => [String], {
    nullable: true,
    description: 'Category names or paths ("Furniture", "Furniture > Bookcases"), any of them.',
  })
  categories?: string[];

  @Field(() => [String], { nullable: true, description: 'Any of these brands.' })
  brands?: string[];

  @Field(() => Int, { nullable: true })
  minPriceCents?: number;

  @Field(() => Int, { nullable: true })
  maxPriceCents?: number;

  @Field({ nullable: true, description: 'Only products with stock available.' })
  inStock?: boolean;

  @Field(() => [AttributeFilterInput], {
    nullable: true,
    description: 'All of these attributes, each with any of its values.',
  })
  attributes?: AttributeFilterInput[];
}

@ObjectType('SearchHit')
export class SearchHitType {
  @Field(() => ProductType)
  product!: ProductType;

  @Field(() => String, {
    nullable: true,
    description:
      'The title with the matched words in <em></em>; null when the title did not match.',
  })
  highlightedTitle!: string | null;
}

@ObjectType('FacetValue')
export class FacetValueType {
  @Field()
  value!: string;

  @Field(() => Int)
  count!: number;
}

@ObjectType('PriceFacetBucket')
export class PriceFacetBucketType {
  @Field()
  key!: string;

  @Field(() => Int, { nullable: true, description: 'Inclusive; null: no lower bound.' })
  fromCents!: number | null;

  @Field(() => Int, { nullable: true, description: 'Exclusive; null: no upper bound.' })
  toCents!: number | null;

  @Field(() => Int)
  count!: number;
}

@ObjectType('SearchFacets', {
  description: 'Counts for each value, computed with every active filter except the facet’s own.',
})
export class SearchFacetsType {
  @Field(() => [FacetValueType], { description: 'By full category path.' })
  categories!: FacetValueType[];

  @Field(() => [FacetValueType])
  brands!: FacetValueType[];

  @Field(() => [PriceFacetBucketType])
  prices!: PriceFacetBucketType[];
}

@ObjectType('SearchResult')
export class SearchResultType {
  @Field(() => Int)
  total!: number;

  @Field(() => Int)
  page!: number;

  @Field(() => Int)
  pageSize!: number;

  @Field(() => [SearchHitType])
  hits!: SearchHitType[];

  @Field(() => SearchFacetsType)
  facets!: SearchFacetsType;

  @Field(() => String, {
    nullable: true,
    description: 'A corrected query when this one found few products.',
  })
  didYouMean!: string | null;

  static from(r: SearchResult, page: number, pageSize: number): SearchResultType {
    return Object.assign(new SearchResultType(), {
      total: r.total,
      page,
      pageSize,
      hits: r.hits.map((h) =>
        Object.assign(new SearchHitType(), {
          product: ProductType.from(h.product),
          highlightedTitle: h.highlightedTitle,
        }),
      ),
      facets: Object.assign(new SearchFacetsType(), {
        categories: r.facets.categories.map((f) => Object.assign(new FacetValueType(), f)),
        brands: r.facets.brands.map((f) => Object.assign(new FacetValueType(), f)),
        prices: r.facets.prices.map((f) => Object.assign(new PriceFacetBucketType(), f)),
      }),
      didYouMean: r.didYouMean,
    });
  }
}

@ObjectType('SearchQueryStat')
export class SearchQueryStatType {
  @Field({ description: 'The normalised query.' })
  query!: string;

  @Field(() => Int)
  searches!: number;

  @Field(() => Int, { description: 'Hits of the latest search of this query.' })
  lastHits!: number;

  static from(s: QueryStat): SearchQueryStatType {
    return Object.assign(new SearchQueryStatType(), s);
  }
}

@ObjectType('SearchInsights')
export class SearchInsightsType {
  @Field()
  since!: Date;

  @Field(() => [SearchQueryStatType], { description: 'Most searched queries first.' })
  topQueries!: SearchQueryStatType[];

  @Field(() => [SearchQueryStatType], {
    description: 'Queries whose latest search found nothing, most searched first.',
  })
  zeroResultQueries!: SearchQueryStatType[];
}

@ObjectType('ReindexReport')
export class ReindexReportType {
  @Field()
  index!: string;

  @Field(() => Int)
  documents!: number;

  @Field(() => Int)
  caughtUp!: number;

  @Field()
  seconds!: number;

  @Field(() => Int)
  docsPerSecond!: number;
}
