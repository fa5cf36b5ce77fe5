// Four small federated subgraphs for the benchmark, run in one process of their own so that every
// gateway under test calls the same servers. No proof check: the bare Apollo gateway and Hive
// Gateway do not send one.
//   products   Query.topProducts · Product @key(id) { name price weight }
//   reviews    Review { body rating author product } · Product.reviews · User.reviews
//   accounts   Query.users · User @key(id) { name username }
//   inventory  Product.inStock · Product.shippingEstimate @requires(fields: "price weight")
// BENCH_QUERY touches two of them with one entity fetch; DEEP_QUERY is shaped like The Guild's
// federation gateway benchmark (nested entities through all four, named fragments, a @requires).
import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginInlineTraceDisabled } from '@apollo/server/plugin/disabled';
import { startStandaloneServer } from '@apollo/server/standalone';
import { buildSubgraphSchema } from '@apollo/subgraph';
import { parse } from 'graphql';

export const PRODUCTS_SDL = `
extend schema
  @link(url: "https://specs.apollo.dev/federation/v2.7", import: ["@key", "@authenticated", "@composeDirective"])
  @link(url: "https://shop.dev/rate-limit/v1.0", import: ["@rateLimit"])
  @composeDirective(name: "@rateLimit")

directive @rateLimit(window: String!, max: Int!) on FIELD_DEFINITION

type Query {
  topProducts(first: Int = 5): [Product!]! @authenticated @rateLimit(window: "10s", max: 100000000)
}

type Product @key(fields: "id") {
  id: ID!
  name: String!
  price: Int!
  weight: Int!
}
`;

export const REVIEWS_SDL = `
extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", import: ["@key"])

type Product @key(fields: "id") {
  id: ID!
  reviews: [Review!]!
}

type User @key(fields: "id") {
  id: ID!
  reviews: [Review!]!
}

type Review {
  id: ID!
  body: String!
  rating: Int!
  author: User!
  product: Product!
}
`;

export const ACCOUNTS_SDL = `
extend schema
  @link(url: "https://specs.apollo.dev/federation/v2.7", import: ["@key", "@authenticated"])

type Query {
  users: [User!]! @authenticated
}

type User @key(fields: "id") {
  id: ID!
  name: String!
  username: String!
}
`;

export const INVENTORY_SDL = `
extend schema
  @link(url: "https://specs.apollo.dev/federation/v2.7", import: ["@key", "@external", "@requires"])

type Product @key(fields: "id") {
  id: ID!
  price: Int! @external
  weight: Int! @external
  inStock: Boolean!
  shippingEstimate: Int! @requires(fields: "price weight")
}
`;

/** The subgraphs' SDLs by name, in the order the bench composes them. */
export const BENCH_SUBGRAPHS = {
  products: PRODUCTS_SDL,
  reviews: REVIEWS_SDL,
  accounts: ACCOUNTS_SDL,
  inventory: INVENTORY_SDL,
} as const;
export type BenchSubgraphName = keyof typeof BENCH_SUBGRAPHS;

export const BENCH_QUERY =
  'query Bench { topProducts(first: 5) { id name price reviews { id body rating } } }';

/**
 * Eight levels deep through all four subgraphs (accounts → reviews → products + inventory →
 * reviews → accounts → reviews → products + inventory), with named fragments on each entity type,
 * like the query of The Guild's gateway benchmark. About 30 KB of JSON per answer.
 */
export const DEEP_QUERY = `
fragment UserFields on User { id username name }
fragment ReviewFields on Review { id body }
fragment ProductFields on Product { id name price weight inStock shippingEstimate }

query Deep {
  users {
    ...UserFields
    reviews {
      ...ReviewFields
      product {
        ...ProductFields
        reviews {
          ...ReviewFields
          author {
            ...UserFields
            reviews { ...ReviewFields product { ...ProductFields } }
          }
        }
      }
    }
  }
  topProducts(first: 5) {
    ...ProductFields
    reviews {
      ...ReviewFields
      author {
        ...UserFields
        reviews { ...ReviewFields product { ...ProductFields } }
      }
    }
  }
}`;

interface Product {
  id: string;
  name: string;
  price: number;
  weight: number;
}
interface Review {
  id: string;
  body: string;
  rating: number;
  authorId: string;
  productId: string;
}

const USERS = Array.from({ length: 4 }, (_, i) => ({
  id: `u${i}`,
  name: `User ${i}`,
  username: `user${i}`,
}));
const PRODUCTS: Product[] = Array.from({ length: 50 }, (_, i) => ({
  id: `p${i}`,
  name: `Product ${i}`,
  price: 100 + i,
  weight: 10 + (i % 7),
}));
/** Two reviews per product, authors round-robin over the users. */
const REVIEWS: Review[] = PRODUCTS.flatMap((p, i) =>
  [0, 1].map((k) => ({
    id: `${p.id}-r${k + 1}`,
    body: k === 0 ? 'Great' : 'Fine',
    rating: k === 0 ? 5 : 3,
    authorId: USERS[(2 * i + k) % USERS.length]!.id,
    productId: p.id,
  })),
);
const productById = new Map(PRODUCTS.map((p) => [p.id, p]));
const userById = new Map(USERS.map((u) => [u.id, u]));
const reviewsByProduct = Map.groupBy(REVIEWS, (r) => r.productId);
/** A user's three first reviews (a list per user keeps the deep answer bounded). */
const reviewsByUser = new Map(
  [...Map.groupBy(REVIEWS, (r) => r.authorId)].map(([id, rs]) => [id, rs.slice(0, 3)]),
);
const reviewOut = (r: Review) => ({
  ...r,
  author: { id: r.authorId },
  product: { id: r.productId },
});

const RESOLVERS: Record<BenchSubgraphName, object> = {
  products: {
    Query: { topProducts: (_: unknown, args: { first: number }) => PRODUCTS.slice(0, args.first) },
    Product: { __resolveReference: (ref: { id: string }) => productById.get(ref.id) },
  },
  reviews: {
    Product: { reviews: (p: { id: string }) => (reviewsByProduct.get(p.id) ?? []).map(reviewOut) },
    User: { reviews: (u: { id: string }) => (reviewsByUser.get(u.id) ?? []).map(reviewOut) },
  },
  accounts: {
    Query: { users: () => USERS },
    User: { __resolveReference: (ref: { id: string }) => userById.get(ref.id) },
  },
  inventory: {
    Product: {
      inStock: (p: { id: string }) => Number(p.id.slice(1)) % 3 !== 0,
      shippingEstimate: (p: { price: number; weight: number }) =>
        p.price > 1000 ? 0 : Math.ceil(p.weight / 2),
    },
  },
};

async function serve(sdl: string, resolvers: object): Promise<string> {
  const server = new ApolloServer({
    schema: buildSubgraphSchema({ typeDefs: parse(sdl), resolvers: resolvers as never }),
    plugins: [ApolloServerPluginInlineTraceDisabled()],
  });
  const { url } = await startStandaloneServer(server, { listen: { port: 0, host: '127.0.0.1' } });
  return url;
}

/** Entry point: `node dist/bench/bench-subgraphs.js` prints one JSON line with every URL. */
export async function main(): Promise<void> {
  const urls: Record<string, string> = {};
  for (const name of Object.keys(BENCH_SUBGRAPHS) as BenchSubgraphName[])
    urls[name] = await serve(BENCH_SUBGRAPHS[name], RESOLVERS[name]);
  process.stdout.write(`${JSON.stringify({ msg: 'listening', port: 0, ...urls })}\n`);
}

if (process.argv[1]?.endsWith('bench-subgraphs.js')) await main();
