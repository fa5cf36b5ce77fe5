// Two small federated subgraphs for the benchmark (products, reviews), run as their own process so
// that every gateway under test calls the same servers. No proof check: the bare Apollo gateway and
// Hive Gateway do not send one.
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
}
`;

export const REVIEWS_SDL = `
extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", import: ["@key"])

type Product @key(fields: "id") {
  id: ID!
  reviews: [Review!]!
}

type Review {
  id: ID!
  body: String!
  rating: Int!
}
`;

export const BENCH_QUERY =
  'query Bench { topProducts(first: 5) { id name price reviews { id body rating } } }';

const products = Array.from({ length: 50 }, (_, i) => ({
  id: `p${i}`,
  name: `Product ${i}`,
  price: 100 + i,
}));

async function serve(sdl: string, resolvers: object): Promise<string> {
  const server = new ApolloServer({
    schema: buildSubgraphSchema({ typeDefs: parse(sdl), resolvers: resolvers as never }),
    plugins: [ApolloServerPluginInlineTraceDisabled()],
  });
  const { url } = await startStandaloneServer(server, { listen: { port: 0, host: '127.0.0.1' } });
  return url;
}

/** Entry point: `node dist/bench/bench-subgraphs.js` prints one JSON line with both URLs. */
export async function main(): Promise<void> {
  const productsUrl = await serve(PRODUCTS_SDL, {
    Query: { topProducts: (_: unknown, args: { first: number }) => products.slice(0, args.first) },
    Product: {
      __resolveReference: (ref: { id: string }) => products.find((p) => p.id === ref.id),
    },
  });
  const reviewsUrl = await serve(REVIEWS_SDL, {
    Product: {
      reviews: (p: { id: string }) => [
        { id: `${p.id}-r1`, body: 'Great', rating: 5 },
        { id: `${p.id}-r2`, body: 'Fine', rating: 3 },
      ],
    },
  });
  process.stdout.write(
    `${JSON.stringify({ msg: 'listening', port: 0, products: productsUrl, reviews: reviewsUrl })}\n`,
  );
}

if (process.argv[1]?.endsWith('bench-subgraphs.js')) await main();
